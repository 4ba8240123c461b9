extern alias reco;

using System.Security.Cryptography;
using System.Text;
using Toutiao.Simulator.Catalogue;
using Toutiao.Simulator.Readers;
using Toutiao.Simulator.Runs;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;

namespace Toutiao.Tests.Eval;

/// <summary>
/// The simulated readers: their taste, position bias, fatigue, the held-out relevance, and how
/// readers are split over the arms. Every draw is seeded, so each figure here is exact for its seed;
/// the bands are what the model's parameters promise, wide enough for any seed.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ReaderModelTests
{
    private static readonly SimulationOptions Options = new();

    // Channels 1..5, 100 articles each, author = id % 50.
    private static readonly ArticleCatalogue Catalogue = new([1, 2, 3, 4, 5],
        Enumerable.Range(1, 500).Select(id => new CatalogueArticle(id, (id - 1) / 100 + 1, id % 50)));

    private static readonly ReaderTastes LikesChannel1 = new(new HashSet<int> { 1, 2 }, new HashSet<long>());

    private static SimulatedReader Reader(int seed, ReaderTastes? tastes = null, SimulationOptions? options = null)
        => new("r", "profile", tastes ?? LikesChannel1, new Random(seed), options ?? Options);

    private static long _nextId = 10_000;

    /// <summary>A page of ten new articles of one channel (new ids: a reader clicks an article once).</summary>
    private static (List<CatalogueArticle?> Articles, List<long> Ids) PageOf(int channel)
    {
        var ids = Enumerable.Range(0, 10).Select(_ => Interlocked.Increment(ref _nextId)).ToList();
        return (ids.Select(id => (CatalogueArticle?)new CatalogueArticle(id, channel, 999)).ToList(), ids);
    }

    private static int[] ClicksPerPosition(SimulatedReader reader, int channel, int pages)
    {
        var clicks = new int[10];
        for (var i = 0; i < pages; i++)
        {
            reader.StartSession(); // no fatigue: one page a session
            var (articles, ids) = PageOf(channel);
            foreach (var reaction in reader.Examine(articles, ids))
            {
                clicks[reaction.Position]++;
            }
        }

        return clicks;
    }

    [Fact]
    public void A_reader_clicks_the_top_of_a_liked_channel_often_and_other_channels_rarely()
    {
        const int pages = 4000;
        var liked = ClicksPerPosition(Reader(1), 1, pages);
        var other = ClicksPerPosition(Reader(2), 5, pages);

        // Position 0 is always examined: the click chance itself.
        Assert.InRange((double)liked[0] / pages, 0.32, 0.38);
        Assert.InRange((double)other[0] / pages, 0.01, 0.03);
        // Position bias: position 9 is examined with 0.85^9 ≈ 0.23.
        Assert.InRange((double)liked[9] / pages, 0.35 * 0.23 - 0.025, 0.35 * 0.23 + 0.025);
        Assert.True(liked[0] > liked[4] && liked[4] > liked[9], string.Join(',', liked));
    }

    [Fact]
    public void A_liked_author_is_clicked_in_any_channel()
    {
        var tastes = new ReaderTastes(new HashSet<int> { 1 }, new HashSet<long> { 999 });
        var clicks = ClicksPerPosition(Reader(3, tastes), 5, 2000);
        Assert.InRange(clicks[0] / 2000.0, 0.22, 0.28);
    }

    [Fact]
    public void Fatigue_lowers_clicks_on_a_channel_seen_again_in_the_same_session()
    {
        var reader = Reader(4);
        int fresh = 0, tired = 0;
        for (var session = 0; session < 1000; session++)
        {
            reader.StartSession();
            var first = PageOf(1);
            fresh += reader.Examine(first.Articles, first.Ids).Count;
            for (var i = 0; i < 3; i++)
            {
                var (articles, ids) = PageOf(1);
                var clicks = reader.Examine(articles, ids).Count;
                if (i == 2)
                {
                    tired += clicks;
                }
            }
        }

        // The fourth page comes after ~16 examined articles of the channel: 0.95^16 ≈ 0.44 of the clicks, or less.
        Assert.True(tired < fresh * 0.6, $"first pages {fresh} clicks, fourth pages {tired}");
    }

    [Fact]
    public void An_article_is_clicked_once_and_a_click_is_read_longer_in_a_liked_channel()
    {
        var reader = Reader(5, options: Options with { LikedClick = 1, OtherClick = 1, ExamineDecay = 1, ChannelFatigue = 1 });
        var (articles, ids) = PageOf(1);
        var first = reader.Examine(articles, ids);
        Assert.Equal(10, first.Count);
        Assert.All(first, r => Assert.InRange(r.ReadSeconds, 60, 240));
        Assert.Empty(reader.Examine(articles, ids));

        var other = PageOf(5);
        Assert.All(reader.Examine(other.Articles, other.Ids), r => Assert.InRange(r.ReadSeconds, 20, 90));
    }

    [Fact]
    public void The_held_out_relevance_has_no_position_bias_and_no_fatigue()
    {
        var reader = Reader(6);
        var relevant = new int[10];
        for (var i = 0; i < 3000; i++)
        {
            var page = PageOf(1).Articles;
            reader.Examine(page, page.Select(a => a!.Id).ToList());
            var drawn = reader.WouldClick(page);
            for (var p = 0; p < 10; p++)
            {
                relevant[p] += drawn[p] ? 1 : 0;
            }
        }

        Assert.All(relevant, count => Assert.InRange(count / 3000.0, 0.31, 0.39));
        // Unknown articles and other channels are rarely relevant.
        Assert.InRange(Enumerable.Range(0, 3000).Count(_ => reader.WouldClick([null])[0]) / 3000.0, 0.01, 0.03);
    }

    [Fact]
    public void Sessions_end_with_a_growing_chance_and_fresh_timestamps_never_repeat()
    {
        var reader = Reader(7);
        var lengths = Enumerable.Range(0, 2000).Select(_ =>
        {
            var pages = 1;
            while (reader.ContinuesSession(pages))
            {
                pages++;
            }

            return pages;
        }).ToList();
        Assert.All(lengths, l => Assert.InRange(l, 1, Options.MaxPagesPerSession));
        // Ends after the first page a quarter of the time.
        Assert.InRange(lengths.Count(l => l == 1) / 2000.0, 0.21, 0.29);
        Assert.InRange(lengths.Average(), 2.3, 3.0);

        var now = 1_800_000_000_000;
        Assert.Equal([now, now + 1, now + 2], [reader.NextFreshTimestamp(now), reader.NextFreshTimestamp(now), reader.NextFreshTimestamp(now - 5)]);
        Assert.Equal(3, reader.FreshPages);
        Assert.False(reader.PagesBack()); // no older page yet
    }

    [Fact]
    public void Tastes_are_two_channels_and_a_few_authors_the_same_for_the_same_seed()
    {
        var tastes = ReaderTastes.Draw(new Random(8), Catalogue.Channels, Catalogue.Authors, Options);
        var again = ReaderTastes.Draw(new Random(8), Catalogue.Channels, Catalogue.Authors, Options);

        Assert.Equal(2, tastes.LikedChannels.Count);
        Assert.InRange(tastes.LikedAuthors.Count, 0, Options.MaxLikedAuthors);
        Assert.Equal(tastes.LikedChannels.Order(), again.LikedChannels.Order());
        Assert.Equal(tastes.LikedAuthors.Order(), again.LikedAuthors.Order());
        Assert.Equal(0.35, tastes.ClickProbability(Catalogue.Find(tastes.LikedChannels.Min() * 100 - 50), Options));
    }

    [Fact]
    public void A_liked_title_word_raises_the_click_chance_in_any_channel_and_only_topic_words_are_drawn()
    {
        // Twenty topics in five titles each; two templates in half of them; a number in all.
        var topics = Enumerable.Range(0, 20).Select(i => "topic" + (char)('a' + i)).ToArray();
        var catalogue = new ArticleCatalogue([1, 2], Enumerable.Range(0, 100).Select(n => new CatalogueArticle(n, 1 + (n % 2), 1,
            $"{(n % 2 == 0 ? "深入理解" : "一文读懂")} {topics[n % 20]} 第{n}篇")));
        var tastes = new ReaderTastes(new HashSet<int> { 3 }, new HashSet<long>()) { LikedWords = new HashSet<string> { "topicb" } };

        Assert.Equal(topics.Order(StringComparer.Ordinal), catalogue.TopicWords);
        Assert.Equal(Options.LikedWordClick, tastes.ClickProbability(catalogue.Find(21), Options));
        Assert.Equal(Options.OtherClick, tastes.ClickProbability(catalogue.Find(22), Options));
        var drawn = ReaderTastes.Draw(new Random(3), catalogue.Channels, catalogue.Authors, Options with { MaxLikedWords = 2 }, catalogue.TopicWords);
        Assert.InRange(drawn.LikedWords.Count, 0, 2);
        Assert.Subset(catalogue.TopicWords.ToHashSet(), drawn.LikedWords.ToHashSet());
    }

    [Theory]
    [InlineData("x")]
    [InlineData("sim-run-17")]
    [InlineData("t0123456789abcdef")]
    public void The_bucket_is_Recos_the_first_hex_digit_of_md5_of_the_anonymous_user_id(string id)
    {
        var userId = BucketMap.RecoUserId(id);
        Assert.Equal("anony:" + id, userId);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(userId)))[0], BucketMap.Digit(userId).ToString("x")[0]);
        Assert.Equal(AlgorithmBucket.Digit(userId), BucketMap.Digit(userId));
    }

    [Fact]
    public void The_bucket_map_reads_digits_and_ranges_and_leaves_the_rest_personalised()
    {
        var map = BucketMap.Parse("0-9=profile, a-c=Hot-New,d-f=random");
        Assert.Equal(["profile", "hot-new", "random"], map.Arms);
        Assert.Equal("hot-new", map.ArmOf(0xb));
        Assert.Equal("random", map.ArmOf(0xf));

        var control = BucketMap.Parse("f=hot-new");
        Assert.Equal(["profile", "hot-new"], control.Arms);
        Assert.Equal("profile", control.ArmOf(0xe));
        Assert.Equal(control.ToString(), BucketMap.Parse(control.ToString()).ToString());
        Assert.Throws<FormatException>(() => BucketMap.Parse("g=profile"));
        Assert.Throws<FormatException>(() => BucketMap.Parse("0-9"));
    }

    [Fact]
    public void Readers_are_split_evenly_over_the_arms_each_in_its_own_bucket()
    {
        var options = Options with { Readers = 31, Buckets = BucketMap.Parse("0-9=profile,a-c=hot-new,d-f=random") };
        var readers = Simulation.CreateReaders(Catalogue, options, "unit");

        Assert.Equal(31, readers.Count);
        Assert.Equal(31, readers.Select(r => r.Id).Distinct().Count());
        Assert.Equal([11, 10, 10], options.Buckets.Arms.Select(arm => readers.Count(r => r.Arm == arm)));
        Assert.All(readers, r => Assert.Equal(options.Buckets.ArmOf(BucketMap.Digit("anony:" + r.Id)), r.Arm));
        Assert.All(readers, r => Assert.Matches("^[A-Za-z0-9_-]{1,64}$", r.Id));

        // The same seed and run: the same readers with the same tastes.
        var again = Simulation.CreateReaders(Catalogue, options, "unit");
        Assert.Equal(readers.Select(r => string.Join(',', r.Tastes.LikedChannels.Order())), again.Select(r => string.Join(',', r.Tastes.LikedChannels.Order())));
    }

    [Fact]
    public void Settings_come_from_the_environment_and_the_command_line_wins()
    {
        var settings = SimulatorSettings.Read(["--Readers", "90", "--seed=7", "--Output", "/tmp/x"],
            new Dictionary<string, string?> { ["Simulation__Readers"] = "12", ["Simulation__Rounds"] = "3", ["Simulation__Buckets"] = "f=hot-new", ["services__web__http__0"] = "http://localhost:5999" });

        Assert.Equal(90, settings.Options.Readers);
        Assert.Equal(3, settings.Options.Rounds);
        Assert.Equal(7, settings.Options.Seed);
        Assert.Equal("hot-new", settings.Options.Buckets.ArmOf(15));
        Assert.Equal(new Uri("http://localhost:5999"), settings.Web);
        Assert.Equal("/tmp/x", settings.Output);
        Assert.Throws<FormatException>(() => SimulatorSettings.Read(["--Nonsense", "1"], new Dictionary<string, string?>()));
    }
}
