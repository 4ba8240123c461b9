extern alias reco;
using Toutiao.Tests.Infrastructure;
using ChannelCandidates = reco::Toutiao.Reco.Recall.ChannelCandidates;

namespace Toutiao.Tests.Reco;

/// <summary>The stateless feed of readers without identity: pages by publish time, none skipped, none twice.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class PublishedBeforeTests
{
    private static readonly ChannelCandidates Channel = new(
        Newest: [16, 15, 14, 13, 12, 11],
        NewestPublishedAt: [500, 400, 400, 400, 300, 200],
        Hottest: [], RankedAlgo1: [], RankedAlgo2: []);

    [Fact]
    public void Pages_follow_the_cursor_and_take_a_whole_group_of_equal_times()
    {
        var (first, next) = Channel.PublishedBefore(1_000, 2);
        // 15 ends the page at 400, and 14 and 13 were published at the same millisecond: they come too.
        Assert.Equal([16, 15, 14, 13], first);
        Assert.Equal(400, next);

        var (second, last) = Channel.PublishedBefore(next, 2);
        Assert.Equal([12, 11], second);
        Assert.Equal(0, last);
    }

    [Fact]
    public void A_cursor_between_articles_starts_at_the_next_older_and_past_the_oldest_is_empty()
    {
        Assert.Equal([12], Channel.PublishedBefore(350, 1).Page);
        Assert.Equal(300, Channel.PublishedBefore(350, 1).Next);
        var (empty, next) = Channel.PublishedBefore(200, 10);
        Assert.Equal(0, empty.Count);
        Assert.Equal(0, next);
        Assert.Equal(0, ChannelCandidates.None.PublishedBefore(1_000, 10).Page.Count);
    }
}
