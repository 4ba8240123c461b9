extern alias reco;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Toutiao.Contracts.Feed;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using ProfileSignals = reco::Toutiao.Reco.Profiles.ProfileSignals;
using ReaderProfileStore = reco::Toutiao.Reco.Profiles.ReaderProfileStore;

namespace Toutiao.Tests.Reco;

/// <summary>
/// The reader's own recall sources on real servers: the authors they follow, and articles whose
/// keywords match what they read, come into their next page of 推荐, each named by its source.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class PersonalRecallTests(ToutiaoFixture fixture)
{
    // Generous: on 2 cores the fixtures of other collections may be seeding or indexing meanwhile.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private readonly ReaderActions actions = new(fixture);

    private ReaderProfileStore Profiles => fixture.Reco.Services.GetRequiredService<ReaderProfileStore>();

    [Fact]
    public async Task A_followed_authors_newest_articles_come_into_the_next_page_named_author()
    {
        await using var sourcesOrder = await actions.WithoutClickModelAsync();
        var (userId, reader) = SignedInReaderOutsideTheControl();
        // An interest first (a profiled page needs a channel), then a follow of an author of another channel.
        await actions.ReportAsync(reader, await actions.PageAsync(3, reader), index => index == 0);
        var author = await ScalarAsync("SELECT user_id FROM news_article_basic WHERE status = 2 AND channel_id = 17 ORDER BY article_id DESC LIMIT 1");
        using (var applied = new MeasurementSignal("Toutiao.Reco", "toutiao.behaviors", new("outcome", "applied"), 1, fixture.Reco.Services))
        {
            Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author })).Status);
            await applied.Reached.WaitAsync(Patience);
        }

        var profile = await Profiles.GetAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), CancellationToken.None);
        // Decayed for the moments since the follow: a hair under its weight.
        Assert.True(profile.AuthorWeights.GetValueOrDefault(author) >= 0.99 * ProfileSignals.Follow, $"author {author}: {string.Join(',', profile.AuthorWeights)}");

        var sources = Sources(await actions.PageAsync(RecommendedChannel.Id, reader));
        var byAuthor = sources.Where(s => s.Value.EndsWith("|author", StringComparison.Ordinal)).Select(s => s.Key).ToList();
        Assert.True(byAuthor.Count > 0, $"author {author}, page: {string.Join(", ", sources.Select(s => $"{s.Key} {s.Value}"))}");
        foreach (var id in byAuthor)
        {
            Assert.Equal(author, await ScalarAsync($"SELECT user_id FROM news_article_basic WHERE article_id = {id}"));
        }
    }

    [Fact]
    public async Task Articles_sharing_keywords_with_what_the_reader_read_come_into_the_next_page_named_content()
    {
        await using var sourcesOrder = await actions.WithoutClickModelAsync();
        var reader = ReaderActions.ReaderIn(reco::Toutiao.Reco.Recommend.Experiments.Profile);
        var page = await actions.PageAsync(7, reader);
        var read = page.ArticleIds().Take(3).ToList();
        await actions.ReportAsync(reader, page, index => index < 3);
        var readKeywords = await KeywordsAsync(read);
        Assert.NotEmpty(readKeywords);

        var sources = Sources(await actions.PageAsync(RecommendedChannel.Id, reader));
        var byContent = sources.Where(s => s.Value.EndsWith("|content", StringComparison.Ordinal)).Select(s => s.Key).ToList();
        Assert.NotEmpty(byContent);
        Assert.All(byContent, id => Assert.DoesNotContain(id, read));
        var recalledKeywords = await KeywordsAsync(byContent);
        Assert.True(readKeywords.Overlaps(recalledKeywords), $"read {string.Join(',', readKeywords)}; recalled {string.Join(',', recalledKeywords)}");
    }

    private static Dictionary<long, string> Sources(ApiResponse page) => page.Data.GetProperty("results").EnumerateArray().ToDictionary(
        item => item.GetProperty("art_id").GetInt64(),
        item => JsonDocument.Parse(item.GetProperty("trace").GetProperty("click").GetString()!).RootElement.GetProperty("algorithmCombine").GetString()!);

    /// <summary>A new signed-in reader whose bucket is not the fixture's control (f).</summary>
    private (long UserId, string Reader) SignedInReaderOutsideTheControl()
    {
        while (true)
        {
            var userId = Random.Shared.NextInt64(2_000_000, 9_000_000);
            if (AlgorithmBucket.Digit(userId.ToString(System.Globalization.CultureInfo.InvariantCulture)) != 0xf)
            {
                return (userId, Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false)));
            }
        }
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var command = fixture.MySql.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<HashSet<string>> KeywordsAsync(IReadOnlyCollection<long> articles)
    {
        await using var command = fixture.MySql.CreateCommand($"SELECT keyword FROM news_article_keyword WHERE article_id IN ({string.Join(',', articles)})");
        await using var reader = await command.ExecuteReaderAsync();
        var keywords = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            keywords.Add(reader.GetString(0));
        }

        return keywords;
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PersonalRecallOnClusterTests(ClusterToutiaoFixture fixture) : PersonalRecallTests(fixture);
