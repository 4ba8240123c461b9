namespace Toutiao.Simulator.Catalogue;

/// <summary>Every article the simulator learned, by id, and the channels they are in.</summary>
public sealed class ArticleCatalogue
{
    private readonly Dictionary<long, CatalogueArticle> _articles;

    public ArticleCatalogue(IReadOnlyList<int> channels, IEnumerable<CatalogueArticle> articles)
    {
        Channels = channels;
        // An article listed in two channels' pages (it moved while they were read) keeps the first.
        _articles = articles.DistinctBy(a => a.Id).ToDictionary(a => a.Id);
        Authors = _articles.Values.Select(a => a.AuthorId).Distinct().Order().ToList();
        // Words a taste can be made of: in a few titles at least, in no more than a tenth of them
        // (a template's "深入理解" is no topic).
        var titles = _articles.Values.Select(a => a.TitleWords.Distinct()).SelectMany(w => w).CountBy(w => w).ToList();
        TopicWords = titles.Where(w => w.Value >= 5 && w.Value <= Math.Max(5, _articles.Count / 10)).Select(w => w.Key).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The words of titles that say what an article is about, for readers' tastes.</summary>
    public IReadOnlyList<string> TopicWords { get; }

    /// <summary>The visible channels but 推荐 (channel 0), in the order Web lists them.</summary>
    public IReadOnlyList<int> Channels { get; }

    public IReadOnlyList<long> Authors { get; }

    public int Count => _articles.Count;

    public CatalogueArticle? Find(long id) => _articles.GetValueOrDefault(id);

    public IEnumerable<CatalogueArticle> Articles => _articles.Values;
}
