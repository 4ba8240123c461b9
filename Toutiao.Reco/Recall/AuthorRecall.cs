using Toutiao.Reco.Ranking;

namespace Toutiao.Reco.Recall;

/// <summary>
/// Author recall: the newest articles of the authors the reader follows (a follow weighs most) or
/// took up most, each author in proportion to the reader's weight on them, an article's score
/// halved for every three days it is older than the catalogue's newest.
/// </summary>
public static class AuthorRecall
{
    /// <summary>How many of an author's newest articles are considered.</summary>
    public const int PerAuthor = 30;

    private const double HalfLifeMs = 3 * 24 * 3_600_000d;

    public static long[] Rank(IReadOnlyDictionary<long, double> authorWeights, ArticleCatalog catalog)
    {
        var total = authorWeights.Values.Where(w => w > 0).Sum();
        if (total <= 0)
        {
            return [];
        }

        var scores = new Dictionary<long, double>();
        foreach (var (author, weight) in authorWeights.Where(a => a.Value > 0))
        {
            if (catalog.ByAuthor.TryGetValue(author, out var articles))
            {
                foreach (var articleId in articles.Take(PerAuthor))
                {
                    scores[articleId] = scores.GetValueOrDefault(articleId) + (weight / total);
                }
            }
        }

        return ContentRecall.Ranked(scores, catalog, HalfLifeMs);
    }
}
