using StackExchange.Redis;

namespace Toutiao.ServiceDefaults.Clients;

public static class RedisBatchExtensions
{
    /// <summary>
    /// Queues the replacement of a sorted set: built under a staging key and renamed over the live
    /// one, so readers never see a half-filled set. Redis has no empty sets: no entries deletes the key.
    /// Returns the queued operations; await them after <see cref="IBatch.Execute"/>.
    /// </summary>
    public static IEnumerable<Task> QueueSortedSetReplace(this IBatch batch, RedisKey key, IReadOnlyCollection<SortedSetEntry> entries, int chunkSize = 1000)
    {
        if (entries.Count == 0)
        {
            return [batch.KeyDeleteAsync(key)];
        }

        var staging = key.Append(":staging");
        var operations = new List<Task> { batch.KeyDeleteAsync(staging) };
        operations.AddRange(entries.Chunk(chunkSize).Select(chunk => batch.SortedSetAddAsync(staging, chunk)));
        operations.Add(batch.KeyRenameAsync(staging, key));
        return operations;
    }
}
