using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Articles;

/// <summary>
/// What this Web process read of the article cache lately, in its own memory for
/// <see cref="ArticleCacheOptions.LocalTtl"/>: article infos (and ids that do not exist), author
/// profiles and each channel's pinned ids. These change rarely, and Redis already serves them up to
/// half an hour old; the live counters are never kept here. A page whose every part is here costs
/// Redis one pipeline of plain counter reads instead of the page script, which was most of the
/// cache server's CPU per page and of Web's parsing.
/// </summary>
public sealed class LocalCardCache(IOptions<ArticleCacheOptions> options) : IDisposable
{
    private readonly MemoryCache _entries = new(new MemoryCacheOptions { SizeLimit = options.Value.LocalEntries });

    private TimeSpan Ttl => options.Value.LocalTtl;

    private readonly record struct ArticleKey(long Id);

    private readonly record struct AuthorKey(long Id);

    private readonly record struct PinnedKey(int Channel);

    /// <summary>Null for an id known not to exist; false when the id is not here.</summary>
    public bool TryGetArticle(long id, out ArticleInfo? info) => _entries.TryGetValue(new ArticleKey(id), out info);

    /// <summary>Null for an author known not to exist; false when the author is not here.</summary>
    public bool TryGetAuthor(long id, out AuthorProfile? author) => _entries.TryGetValue(new AuthorKey(id), out author);

    public bool TryGetPinned(int channel, out long[] ids) => _entries.TryGetValue(new PinnedKey(channel), out ids!);

    public void RememberArticle(long id, ArticleInfo? info) => Remember(new ArticleKey(id), info);

    public void ForgetArticle(long id) => _entries.Remove(new ArticleKey(id));

    public void RememberAuthor(long id, AuthorProfile? author) => Remember(new AuthorKey(id), author);

    public void RememberPinned(int channel, long[] ids) => Remember(new PinnedKey(channel), ids);

    private void Remember<TKey, TValue>(TKey key, TValue value) where TKey : notnull
    {
        if (Ttl > TimeSpan.Zero)
        {
            _entries.Set(key, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = Ttl, Size = 1 });
        }
    }

    public void Dispose() => _entries.Dispose();
}
