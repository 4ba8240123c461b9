using Microsoft.Extensions.Options;
using Toutiao.Contracts.Articles;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Articles;

/// <summary>The counters kept in memory: only while changes can be heard, and never what a read found while one was heard.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class LocalCardCacheTests
{
    private static LocalCardCache Cache(TimeSpan ttl) => new(Options.Create(new ArticleCacheOptions { LocalTtl = ttl }));

    private static readonly long[] Four = [1, 2, 3, 4];

    [Fact]
    public void Counts_are_kept_only_while_changes_are_heard()
    {
        using var local = Cache(TimeSpan.FromMinutes(1));
        local.RememberCounts(local.CountsVersion, 7, Four);
        Assert.False(local.TryGetCounts(7, out _));

        local.KeepCounts(listening: true);
        local.RememberCounts(local.CountsVersion, 7, Four);
        Assert.True(local.TryGetCounts(7, out var kept));
        Assert.Equal(Four, kept);

        // Unheard changes may come while the subscription is down: what was kept goes, and nothing more is kept.
        local.KeepCounts(listening: false);
        Assert.False(local.TryGetCounts(7, out _));
        local.RememberCounts(local.CountsVersion, 7, Four);
        Assert.False(local.TryGetCounts(7, out _));
    }

    [Fact]
    public void A_change_drops_its_bucket_only_and_a_read_that_overlapped_it_is_not_kept()
    {
        using var local = Cache(TimeSpan.FromMinutes(1));
        local.KeepCounts(listening: true);
        var (first, last) = ArticleCounters.Range(3);
        foreach (var id in new[] { first, last, last + 1 })
        {
            local.RememberCounts(local.CountsVersion, id, Four);
        }

        var readStarted = local.CountsVersion;
        local.ForgetCounts(3);
        Assert.False(local.TryGetCounts(first, out _));
        Assert.False(local.TryGetCounts(last, out _));
        Assert.True(local.TryGetCounts(last + 1, out _));

        // Read before the change was heard: it may hold the count from before the change.
        local.RememberCounts(readStarted, first, Four);
        Assert.False(local.TryGetCounts(first, out _));
        local.RememberCounts(local.CountsVersion, first, Four);
        Assert.True(local.TryGetCounts(first, out _));

        // Subscribed anew: a read from before is not kept either.
        var beforeResubscribing = local.CountsVersion;
        local.KeepCounts(listening: true);
        local.RememberCounts(beforeResubscribing, last, Four);
        Assert.False(local.TryGetCounts(last, out _));
        Assert.False(local.TryGetCounts(last + 1, out _));
    }

    [Fact]
    public void Without_a_local_layer_nothing_is_kept()
    {
        using var local = Cache(TimeSpan.Zero);
        local.KeepCounts(listening: true);
        local.RememberCounts(local.CountsVersion, 7, Four);
        Assert.False(local.TryGetCounts(7, out _));
    }

    [Theory]
    [InlineData("count:art:12", 12L)]
    [InlineData("count:art:0", 0L)]
    [InlineData("count:art:-1", null)]
    [InlineData("count:art:", null)]
    [InlineData("art:12", null)]
    [InlineData(null, null)]
    public void A_published_key_names_its_bucket(string? key, long? bucket) => Assert.Equal(bucket, ArticleCounters.BucketOfKey(key));
}
