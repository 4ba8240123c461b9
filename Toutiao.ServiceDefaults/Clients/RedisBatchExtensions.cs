using StackExchange.Redis;

namespace Toutiao.ServiceDefaults.Clients;

public static class RedisBatchExtensions
{
    /// <summary>
    /// Queues the replacement of a sorted set: built under a staging key and renamed over the live
    /// one, so readers never see a half-filled set. Redis has no empty sets: no entries deletes the key.
    /// Returns the queued operations; await them after <see cref="IBatch.Execute"/>.
    /// </summary>
    /// <remarks>
    /// The staging key is this call's own: two writers replacing the same set at once (both Web
    /// replicas reloading the counters after the cache server restarted) once shared one, deleted
    /// each other's chunks and renamed a set that lacked members. It expires should the writer die
    /// before the rename; the renamed set is made persistent again.
    /// </remarks>
    public static IEnumerable<Task> QueueSortedSetReplace(this IBatch batch, RedisKey key, IReadOnlyCollection<SortedSetEntry> entries, int chunkSize = 1000)
    {
        if (entries.Count == 0)
        {
            return [batch.KeyDeleteAsync(key)];
        }

        var staging = SameSlot(key, $":staging:{Guid.NewGuid():N}");
        var operations = new List<Task>();
        operations.AddRange(entries.Chunk(chunkSize).Select(chunk => batch.SortedSetAddAsync(staging, chunk)));
        operations.Add(batch.KeyExpireAsync(staging, StagingLifetime));
        operations.Add(batch.KeyRenameAsync(staging, key));
        operations.Add(batch.KeyPersistAsync(key));
        return operations;
    }

    /// <summary>How long an abandoned staging key stays: far longer than any replacement takes.</summary>
    private static readonly TimeSpan StagingLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// Reads <paramref name="items"/> in consecutive pipelines of at most <paramref name="perBatch"/>,
    /// each answered before the next is sent. A large load (hundreds of thousands of set members) is
    /// then a few round trips whose answers each arrive well within the client's timeout, rather than
    /// one answer a busy process cannot read in time, which times out whole and holds the connection
    /// from every other command meanwhile.
    /// </summary>
    public static async Task<TResult[]> ReadInBatchesAsync<TItem, TResult>(this IDatabase db, IReadOnlyList<TItem> items, int perBatch,
        Func<IBatch, TItem, Task<TResult>> read, CancellationToken cancellationToken)
    {
        var results = new TResult[items.Count];
        for (var start = 0; start < items.Count; start += perBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = db.CreateBatch();
            var pending = items.Skip(start).Take(perBatch).Select(item => read(batch, item)).ToList();
            batch.Execute();
            (await Task.WhenAll(pending)).CopyTo(results, start);
        }

        return results;
    }

    /// <summary>
    /// A whole sorted set, highest score first, read <paramref name="perCommand"/> members a command,
    /// one command after another: Redis runs one command at a time, and a set of 50,000 read in one
    /// (ZREVRANGE 0 -1) held every other client of the server for 15-40 ms. A member that moved across
    /// a boundary between two reads is kept once, where it was seen first; the set read is then not
    /// one instant's but each member's score is a real one.
    /// </summary>
    public static async Task<SortedSetEntry[]> SortedSetReadInRangesAsync(this IDatabase db, RedisKey key, int perCommand, CancellationToken cancellationToken)
    {
        var entries = new List<SortedSetEntry>();
        var seen = new HashSet<RedisValue>();
        for (long start = 0; ; start += perCommand)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var range = await db.SortedSetRangeByRankWithScoresAsync(key, start, start + perCommand - 1, Order.Descending);
            entries.AddRange(range.Where(entry => seen.Add(entry.Element)));
            if (range.Length < perCommand)
            {
                return [.. entries];
            }
        }
    }

    /// <summary>Writes <paramref name="items"/> in consecutive pipelines of at most <paramref name="perBatch"/>, for the reason <see cref="ReadInBatchesAsync"/> gives.</summary>
    public static async Task WriteInBatchesAsync<TItem>(this IDatabase db, IEnumerable<TItem> items, int perBatch,
        Func<IBatch, TItem, IEnumerable<Task>> write, CancellationToken cancellationToken)
    {
        foreach (var chunk in items.Chunk(perBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = db.CreateBatch();
            var pending = chunk.SelectMany(item => write(batch, item)).ToList();
            batch.Execute();
            await Task.WhenAll(pending);
        }
    }

    /// <summary>
    /// A key beside <paramref name="key"/> in the same Redis Cluster slot, as RENAME and scripts
    /// need there. A key with a hash tag keeps it; a key without one hashes whole, so that whole key
    /// becomes the new key's tag (<c>ch:5:new</c> → <c>{ch:5:new}:staging</c>).
    /// </summary>
    public static RedisKey SameSlot(RedisKey key, string suffix)
    {
        var name = (string)key!;
        var open = name.IndexOf('{');
        var hasTag = open >= 0 && name.IndexOf('}', open + 1) > open + 1;
        return hasTag ? key.Append(suffix) : (RedisKey)$"{{{name}}}{suffix}";
    }
}
