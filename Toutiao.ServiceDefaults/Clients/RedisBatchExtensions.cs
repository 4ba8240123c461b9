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

        var staging = SameSlot(key, ":staging");
        var operations = new List<Task> { batch.KeyDeleteAsync(staging) };
        operations.AddRange(entries.Chunk(chunkSize).Select(chunk => batch.SortedSetAddAsync(staging, chunk)));
        operations.Add(batch.KeyRenameAsync(staging, key));
        return operations;
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
