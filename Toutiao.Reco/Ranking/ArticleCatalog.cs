namespace Toutiao.Reco.Ranking;

/// <summary>What the click model knows of an article: its channel, when it was published (Unix ms), its hotness and its author (0: unknown).</summary>
public readonly record struct ArticleFacts(int ChannelId, long PublishedAtMs, double Hotness, long AuthorId = 0);

/// <summary>
/// Every recalled article's facts as one build of the recall sets left them, with the catalogue's
/// largest hotness and newest publish time, which scale the features: the same catalogue gives
/// the features at training and at serving.
/// </summary>
public sealed class ArticleCatalog(IReadOnlyDictionary<long, ArticleFacts> articles)
{
    public static readonly ArticleCatalog Empty = new(new Dictionary<long, ArticleFacts>());

    public IReadOnlyDictionary<long, ArticleFacts> Articles { get; } = articles;

    public double MaxHotness { get; } = articles.Count == 0 ? 0 : articles.Values.Max(a => a.Hotness);

    public long NewestPublishedAtMs { get; } = articles.Count == 0 ? 0 : articles.Values.Max(a => a.PublishedAtMs);

    public bool TryGet(long articleId, out ArticleFacts facts) => Articles.TryGetValue(articleId, out facts);
}
