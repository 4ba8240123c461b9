extern alias reco;

using StackExchange.Redis;
using CoReadNeighbours = reco::Toutiao.Reco.Recall.CoReadNeighbours;
using ProfileRecall = reco::Toutiao.Reco.Recall.ProfileRecall;
using ProfileSignals = reco::Toutiao.Reco.Profiles.ProfileSignals;
using RecallSource = reco::Toutiao.Reco.Recall.RecallSource;

namespace Toutiao.Tests.Reco;

/// <summary>Mixing a profiled reader's 推荐 candidates from their channels and the whole ranking; what an action weighs.</summary>
[Trait("Category", "Unit")]
public sealed class ProfileRecallTests
{
    private static readonly long[] Everything = Enumerable.Range(1, 1000).Select(i => (long)i).ToArray();
    private static readonly long[] ChannelA = Everything.Where(id => id % 25 == 3).ToArray();
    private static readonly long[] ChannelB = Everything.Where(id => id % 25 == 7).ToArray();

    private static RecallSource Source(long[] ranked, int start = 0, int channel = 0) => new(ranked, 0, start, channel);

    private static long[] Mix(long[] everything, (long[] Ranked, double Weight)[] channels, double explored, int count)
        => ProfileRecall.Mix(ProfileRecall.Sources(Source(everything), channels.Select(c => (Source(c.Ranked), c.Weight)), explored), count).Ids;

    [Fact]
    public void Each_source_fills_its_share_in_its_own_order()
    {
        var mixed = Mix(Everything, [(ChannelA, 3), (ChannelB, 1)], explored: 0.2, 20);

        Assert.Equal(20, mixed.Length);
        Assert.Equal(12, mixed.Count(ChannelA.Contains));
        Assert.Equal(4, mixed.Count(ChannelB.Contains));
        Assert.Equal(ChannelA.Take(12), mixed.Where(ChannelA.Contains));
        Assert.Equal(ChannelB.Take(4), mixed.Where(ChannelB.Contains));
        // The explored share comes from the top of the whole ranking, in its order.
        Assert.Equal(Everything.Where(id => id % 25 is not (3 or 7)).Take(4), mixed.Where(id => !ChannelA.Contains(id) && !ChannelB.Contains(id)));
    }

    [Fact]
    public void An_article_two_sources_hold_is_taken_once()
    {
        // The whole ranking starts with channel A's articles: the explored share skips them.
        var everything = ChannelA.Concat(Everything.Except(ChannelA)).ToArray();
        var mixed = Mix(everything, [(ChannelA, 1)], explored: 0.5, 100);

        Assert.Equal(mixed.Length, mixed.Distinct().Count());
        Assert.Equal(ChannelA, mixed.Where(ChannelA.Contains));
    }

    [Fact]
    public void An_exhausted_source_leaves_its_share_to_the_others_and_everything_is_offered_in_the_end()
    {
        var small = new long[] { 5, 10 };
        var mixed = Mix(Everything, [(small, 1)], explored: 0.1, 5000);

        Assert.Equal([5L, 10], mixed.Take(2));
        Assert.Equal(Everything.Order(), mixed.Order());
    }

    [Fact]
    public void Without_interests_the_mix_is_the_ranking_itself()
    {
        Assert.Equal(Everything.Take(50), Mix(Everything, [], explored: 0.3, 50));
        Assert.Equal(Everything.Take(50), Mix(Everything, [(ChannelA, 0)], explored: 0.3, 50));
    }

    [Fact]
    public void Each_source_starts_where_the_readers_last_page_left_it_and_the_next_start_follows_what_was_examined()
    {
        var sources = ProfileRecall.Sources(Source(Everything, start: 100), [(Source(ChannelA, start: 10, channel: 3), 1)], explored: 0.5);
        var mixed = ProfileRecall.Mix(sources, 6);

        Assert.Equal([ChannelA[10], Everything[100], ChannelA[11], Everything[101], ChannelA[12], Everything[102]], mixed.Ids);

        // The script went through the first four: each source's next page starts after the last of
        // them it offered.
        Assert.Equal([12, 102], ProfileRecall.NextStarts(sources, mixed, examined: 4));
        Assert.Equal([11, 100], ProfileRecall.NextStarts(sources, mixed, examined: 1));
        // Nothing examined: every source stays where it was.
        Assert.Equal([10, 100], ProfileRecall.NextStarts(sources, mixed, examined: 0));
    }

    [Fact]
    public void A_source_is_ended_when_the_mix_took_all_it_had()
    {
        var small = new long[] { 5, 10 };
        var mixed = ProfileRecall.Mix(ProfileRecall.Sources(Source(Everything), [(Source(small), 1)], explored: 0.5), 10);

        Assert.Equal([true, false], mixed.Ended);
    }

    [Theory]
    [InlineData(new[] { 0.6, 0.2, 0.2 }, 10, new[] { 6, 2, 2 })]
    [InlineData(new[] { 0.35, 0.35, 0.3 }, 10, new[] { 4, 3, 3 })]
    [InlineData(new[] { 0.7, 0.3 }, 3, new[] { 2, 1 })]
    [InlineData(new[] { 1.0 }, 10, new[] { 10 })]
    // A profiled page of 10: the channels, explore, co-read, content, authors. Of the tied halves the
    // author source, with no place yet, gets one first.
    [InlineData(new[] { 0.55, 0.15, 0.15, 0.1, 0.05 }, 10, new[] { 5, 2, 1, 1, 1 })]
    public void Places_follow_the_shares_and_add_up_to_the_page(double[] shares, int count, int[] expected)
        => Assert.Equal(expected, ProfileRecall.Places(shares.Select(s => new RecallSource([1], s, 0, 0)).ToList(), count));

    [Fact]
    public void A_long_read_says_more_than_a_short_one_and_an_exposure_nothing()
    {
        Assert.True(ProfileSignals.Weight("read", 120) > ProfileSignals.Weight("read", 5));
        Assert.True(ProfileSignals.Weight("read", 5) > ProfileSignals.Weight("click", null));
        Assert.Equal(ProfileSignals.Weight("read", ProfileSignals.ReadSecondsCounted), ProfileSignals.Weight("read", 36_000));
        Assert.Equal(ProfileSignals.Weight("read", 0), ProfileSignals.Weight("read", -5));
        Assert.True(ProfileSignals.Weight("collect", null) > ProfileSignals.Weight("click", null));
        Assert.True(ProfileSignals.Weight("dislike", null) < 0);
        Assert.Equal(0, ProfileSignals.Weight("exposure", null));
    }

    [Fact]
    public void The_item_to_item_source_takes_its_share_from_the_profiles_channels_when_it_has_candidates()
    {
        var coRead = new RecallSource([5, 6], 0.2, 0, RecallSource.CoRead);

        var sources = ProfileRecall.Sources(Source(Everything), [(Source(ChannelA), 3), (Source(ChannelB), 1)], 0.3, coRead);
        var withoutCandidates = ProfileRecall.Sources(Source(Everything), [(Source(ChannelA), 3), (Source(ChannelB), 1)], 0.3, [coRead with { Ranked = [] }]);
        var withoutChannels = ProfileRecall.Sources(Source(Everything), [], 0.3, coRead);

        Assert.Equal([0.375, 0.125, 0.2, 0.3], sources.Select(s => Math.Round(s.Share, 6)));
        Assert.Equal(RecallSource.CoRead, sources[2].Channel);
        Assert.Equal([0.525, 0.175, 0.3], withoutCandidates.Select(s => Math.Round(s.Share, 6)));
        Assert.Equal([0.2, 0.8], withoutChannels.Select(s => Math.Round(s.Share, 6)));
    }

    [Fact]
    public void Co_read_neighbours_add_up_newer_reads_weigh_more_and_what_was_read_is_left_out()
    {
        // The newest read (1) was read with 10 three times and with 2 (itself read) once; the older one (2) with 11 four times.
        SortedSetEntry[] ofNewest = [new(10, 3), new(2, 1), new(12, 1)];
        SortedSetEntry[] ofOlder = [new(11, 4), new(12, 1), new("damaged", 9)];

        var ranked = CoReadNeighbours.Rank([1, 2], [ofNewest, ofOlder]);

        // 10: 3; 11: 4 / 2 = 2; 12: 1 + 0.5 = 1.5.
        Assert.Equal([10L, 11, 12], ranked);
        Assert.Empty(CoReadNeighbours.Rank([1], [[]]));
    }
}
