using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Articles;

/// <summary>
/// What this Web process read of the article cache lately, in its own memory for
/// <see cref="ArticleCacheOptions.LocalTtl"/>: article infos (and ids that do not exist), author
/// profiles and each channel's pinned ids. These change rarely, and Redis already serves them up to
/// half an hour old. A page whose every part is here costs Redis one pipeline of plain counter reads
/// instead of the page script, which was most of the cache server's CPU per page and of Web's parsing.
/// </summary>
/// <remarks>
/// The live counters are kept here too, but only while this process hears of every change: each
/// script that changes a counter bucket publishes it (<see cref="ArticleCounters.ChangedChannel"/>),
/// and <see cref="ArticleCounterChanges"/> forgets the bucket here. A page that read a bucket while
/// a change was under way keeps nothing (<see cref="CountsVersion"/>); while the subscription is down
/// nothing is kept, and what was is dropped.
/// </remarks>
public sealed class LocalCardCache(IOptions<ArticleCacheOptions> options) : IDisposable
{
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = options.Value.LocalEntries });

    private TimeSpan Ttl => options.Value.LocalTtl;

    private readonly record struct ArticleKey(long Id);

    private readonly record struct AuthorKey(long Id);

    private readonly record struct PinnedKey(int Channel);

    private readonly record struct CountsKey(long Id);

    /// <summary>Changes heard so far; odd while counters are not kept (not subscribed).</summary>
    private long _countsVersion = 1;

    /// <summary>Null for an id known not to exist; false when the id is not here.</summary>
    public bool TryGetArticle(long id, out ArticleInfo? info) => _entries.TryGetValue(new ArticleKey(id), out info);

    /// <summary>Null for an author known not to exist; false when the author is not here.</summary>
    public bool TryGetAuthor(long id, out AuthorProfile? author) => _entries.TryGetValue(new AuthorKey(id), out author);

    public bool TryGetPinned(int channel, out long[] ids) => _entries.TryGetValue(new PinnedKey(channel), out ids!);

    public void RememberArticle(long id, ArticleInfo? info) => Remember(new ArticleKey(id), info);

    public void ForgetArticle(long id) => _entries.Remove(new ArticleKey(id));

    public void RememberAuthor(long id, AuthorProfile? author) => Remember(new AuthorKey(id), author);

    public void RememberPinned(int channel, long[] ids) => Remember(new PinnedKey(channel), ids);

    /// <summary>An article's four counts (<see cref="ArticleCounter"/> order), when kept here.</summary>
    public bool TryGetCounts(long id, out long[] counts) => _entries.TryGetValue(new CountsKey(id), out counts!);

    /// <summary>To pass to <see cref="RememberCounts"/>: taken before the counts are read from Redis.</summary>
    public long CountsVersion => Interlocked.Read(ref _countsVersion);

    /// <summary>Keeps counts read from Redis unless a change was heard since <paramref name="version"/> was taken, or none can be heard.</summary>
    public void RememberCounts(long version, long id, long[] counts)
    {
        // Even: listening. A change heard after the read began may have come after the read: what it read may be older.
        if (version % 2 == 0 && version == CountsVersion)
        {
            var key = new CountsKey(id);
            Remember(key, counts);
            // A change heard between the check and the insert may have removed its keys before the
            // insert: checked again after it (a forget bumps the version before it removes).
            if (CountsVersion != version)
            {
                _entries.Remove(key);
            }
        }
    }

    /// <summary>A counter of the bucket changed: its articles' counts are read from Redis again.</summary>
    public void ForgetCounts(long bucket)
    {
        Interlocked.Add(ref _countsVersion, 2);
        var (first, last) = ArticleCounters.Range(bucket);
        for (var id = first; id <= last; id++)
        {
            _entries.Remove(new CountsKey(id));
        }
    }

    /// <summary>Starts (subscribed) or stops (the subscription is down: changes may go unheard) keeping counters, dropping those kept.</summary>
    public void KeepCounts(bool listening)
    {
        long version, next;
        do
        {
            version = CountsVersion;
            next = version + (listening == (version % 2 == 1) ? 1 : 2);
        }
        while (Interlocked.CompareExchange(ref _countsVersion, next, version) != version);

        // Counters only: cards stay (they do not depend on hearing changes).
        foreach (var key in _entries.Keys.OfType<CountsKey>().ToList())
        {
            _entries.Remove(key);
        }
    }

    private void Remember<TKey, TValue>(TKey key, TValue value) where TKey : notnull
    {
        if (Ttl > TimeSpan.Zero)
        {
            _entries.Set(key, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Ttl, Size = 1 });
        }
    }

    public void Dispose() => _entries.Dispose();
}
