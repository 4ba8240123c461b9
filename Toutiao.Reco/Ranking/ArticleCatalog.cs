using Toutiao.Contracts.Articles;

namespace Toutiao.Reco.Ranking;

/// <summary>What the click model knows of an article: its channel, when it was published (Unix ms), its hotness, its author (0: unknown) and its keywords.</summary>
public readonly record struct ArticleFacts(int ChannelId, long PublishedAtMs, double Hotness, long AuthorId = 0, ArticleKeyword[]? Keywords = null)
{
    public IReadOnlyList<ArticleKeyword> KeywordList => Keywords ?? [];
}

/// <summary>
/// Every recalled article's facts as one build of the recall sets left them, with the catalogue's
/// largest hotness and newest publish time, which scale the features: the same catalogue gives
/// the features at training and at serving. Also the two indexes content and author recall read:
/// keyword → articles (the keyword sets in Redis, <c>kw:&lt;word&gt;:new</c>, or, without them,
/// from the articles' own keywords) and author → articles, newest first, the newest few of each.
/// </summary>
public sealed class ArticleCatalog
{
    /// <summary>How many articles a keyword's and an author's index keeps (the newest).</summary>
    public const int IndexedPerKey = 200;

    public static readonly ArticleCatalog Empty = new(new Dictionary<long, ArticleFacts>());

    public ArticleCatalog(IReadOnlyDictionary<long, ArticleFacts> articles, IReadOnlyDictionary<string, long[]>? byKeyword = null)
    {
        Articles = articles;
        MaxHotness = articles.Count == 0 ? 0 : articles.Values.Max(a => a.Hotness);
        NewestPublishedAtMs = articles.Count == 0 ? 0 : articles.Values.Max(a => a.PublishedAtMs);
        NewestArticleId = articles.Count == 0 ? 0 : articles.Keys.Max();
        var newestFirst = articles.OrderByDescending(a => a.Value.PublishedAtMs).ThenByDescending(a => a.Key).ToList();
        ByKeyword = byKeyword?.ToDictionary(k => k.Key, k => k.Value.Where(articles.ContainsKey).Take(IndexedPerKey).ToArray(), StringComparer.Ordinal)
            ?? Index(newestFirst.SelectMany(a => a.Value.KeywordList.Select(k => (k.Keyword, a.Key))));
        ByAuthor = Index(newestFirst.Where(a => a.Value.AuthorId > 0).Select(a => (a.Value.AuthorId, a.Key)));
    }

    public IReadOnlyDictionary<long, ArticleFacts> Articles { get; }

    public double MaxHotness { get; }

    public long NewestPublishedAtMs { get; }

    /// <summary>The largest article id: ids grow with publication, so a larger one was published since.</summary>
    public long NewestArticleId { get; }

    /// <summary>Articles whose keywords include the key, newest first (at most <see cref="IndexedPerKey"/>).</summary>
    public IReadOnlyDictionary<string, long[]> ByKeyword { get; }

    /// <summary>Articles by the author, newest first (at most <see cref="IndexedPerKey"/>).</summary>
    public IReadOnlyDictionary<long, long[]> ByAuthor { get; }

    public bool TryGet(long articleId, out ArticleFacts facts) => Articles.TryGetValue(articleId, out facts);

    private static Dictionary<TKey, long[]> Index<TKey>(IEnumerable<(TKey Key, long ArticleId)> newestFirst)
        where TKey : notnull
        => newestFirst.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Select(e => e.ArticleId).Take(IndexedPerKey).ToArray());
}
