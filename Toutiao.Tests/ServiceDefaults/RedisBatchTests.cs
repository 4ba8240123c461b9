using StackExchange.Redis;
using Toutiao.ServiceDefaults.Clients;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

[Collection(ToutiaoCollection.Name)]
public class RedisBatchTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Sets_written_and_read_a_few_pipelines_at_a_time_come_back_each_under_its_own_key_in_order()
    {
        var db = fixture.Cache.GetDatabase();
        var prefix = $"test:batch:{Guid.NewGuid():N}";
        // Five sets in pipelines of two: the last pipeline is a short one, and every result must land at its key's place.
        var sets = Enumerable.Range(0, 5)
            .Select(n => (Key: (RedisKey)$"{prefix}:{n}", Entries: Enumerable.Range(0, 10 + n).Select(i => new SortedSetEntry($"{n}-{i}", i)).ToList()))
            .ToList();

        await db.WriteInBatchesAsync(sets, 2, (batch, set) => batch.QueueSortedSetReplace(set.Key, set.Entries, chunkSize: 4), CancellationToken.None);
        var read = await db.ReadInBatchesAsync(sets, 2, (batch, set) => batch.SortedSetRangeByRankWithScoresAsync(set.Key), CancellationToken.None);

        Assert.Equal(sets.Count, read.Length);
        for (var n = 0; n < sets.Count; n++)
        {
            Assert.Equal(sets[n].Entries, read[n]);
        }

        await Task.WhenAll(sets.Select(s => db.KeyDeleteAsync(s.Key)));
    }

    [Fact]
    public async Task Replacements_of_one_set_at_once_from_two_connections_each_leave_it_whole_and_persistent()
    {
        // Two writers (as two Web replicas reloading the counters after a restart), on connections of
        // their own, so the server interleaves their commands; a few members per command to interleave often.
        await using var other = await ConnectionMultiplexer.ConnectAsync(fixture.Cache.Configuration);
        var key = (RedisKey)$"test:batch:{Guid.NewGuid():N}";
        var entries = Enumerable.Range(0, 20_000).Select(i => new SortedSetEntry(i, i)).ToList();

        async Task ReplaceAsync(IDatabase db)
        {
            for (var round = 0; round < 5; round++)
            {
                await db.WriteInBatchesAsync([key], 1, (batch, k) => batch.QueueSortedSetReplace(k, entries, chunkSize: 10), CancellationToken.None);
            }
        }

        await Task.WhenAll(ReplaceAsync(fixture.Cache.GetDatabase()), ReplaceAsync(other.GetDatabase()));

        var db = fixture.Cache.GetDatabase();
        Assert.Equal(entries, await db.SortedSetRangeByRankWithScoresAsync(key));
        Assert.Null(await db.KeyTimeToLiveAsync(key));
        await db.KeyDeleteAsync(key);
    }

    [Theory]
    [InlineData(10_007)]
    [InlineData(10_000)]
    public async Task A_set_read_in_ranges_comes_back_whole_highest_first_a_range_a_command(int members)
    {
        var db = fixture.Cache.GetDatabase();
        var key = (RedisKey)$"test:batch:{Guid.NewGuid():N}";
        var entries = Enumerable.Range(0, members).Select(i => new SortedSetEntry(i, i)).ToList();
        await db.WriteInBatchesAsync([key], 1, (batch, k) => batch.QueueSortedSetReplace(k, entries), CancellationToken.None);
        var before = fixture.Cache.GetCounters().Interactive.OperationCount;

        var read = await db.SortedSetReadInRangesAsync(key, 1_000, CancellationToken.None);

        Assert.Equal(entries.AsEnumerable().Reverse(), read);
        // Eleven ranges (the last short, or empty when the set is a multiple of the range), not one command.
        Assert.InRange(fixture.Cache.GetCounters().Interactive.OperationCount - before, 11, 12);
        await db.KeyDeleteAsync(key);
    }

    [Fact]
    public async Task A_set_read_in_ranges_while_members_are_added_on_top_has_every_member_it_had_once()
    {
        // Each member added on top moves the rest down a rank: a member at the end of one range is at
        // the start of the next one as well. Added from a connection of its own, between the reads.
        await using var other = await ConnectionMultiplexer.ConnectAsync(fixture.Cache.Configuration);
        var db = fixture.Cache.GetDatabase();
        var key = (RedisKey)$"test:batch:{Guid.NewGuid():N}";
        var entries = Enumerable.Range(0, 5_000).Select(i => new SortedSetEntry(i, i)).ToList();
        await db.WriteInBatchesAsync([key], 1, (batch, k) => batch.QueueSortedSetReplace(k, entries), CancellationToken.None);
        using var reading = new CancellationTokenSource();
        var adding = new TaskCompletionSource();
        var added = Task.Run(async () =>
        {
            for (var score = 1_000_000; !reading.IsCancellationRequested; score++)
            {
                await other.GetDatabase().SortedSetAddAsync(key, score, score);
                adding.TrySetResult();
            }
        });
        await adding.Task;

        var read = await db.SortedSetReadInRangesAsync(key, 50, CancellationToken.None);
        await reading.CancelAsync();
        await added;

        Assert.Equal(read.Length, read.Select(e => e.Element).Distinct().Count());
        Assert.Subset(read.Select(e => (long)e.Element).ToHashSet(), entries.Select(e => (long)e.Element).ToHashSet());
        await db.KeyDeleteAsync(key);
    }

    [Fact]
    public async Task A_cancelled_load_sends_nothing_more()
    {
        var db = fixture.Cache.GetDatabase();
        var key = (RedisKey)$"test:batch:{Guid.NewGuid():N}";
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.WriteInBatchesAsync([key], 1,
            (batch, k) => [batch.StringSetAsync(k, "written")], cancelled.Token));
        Assert.False(await db.KeyExistsAsync(key));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class RedisBatchOnClusterTests(ClusterToutiaoFixture fixture) : RedisBatchTests(fixture);
