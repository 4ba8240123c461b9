using Toutiao.Reco.Ranking;

namespace Toutiao.Reco.Recall;

/// <summary>
/// Content recall: articles whose keywords match the reader's. The profile's strongest keywords are
/// looked up in the catalogue's keyword index (the newest articles of each); an article scores the
/// sum over its keywords of the reader's share on the keyword times the keyword's share of the
/// article, halved for an article a day older than the newest (so a match today beats last week's),
/// and up to doubled in the reader's channels (by their weight on it over their strongest): a word
/// means most in the field the reader reads it in, and the cross-channel match still comes.
/// </summary>
public static class ContentRecall
{
    public const int MaxRanked = 300;

    private const double DayMs = 24 * 3_600_000d;

    public static long[] Rank(IReadOnlyDictionary<string, double> keywordWeights, ArticleCatalog catalog, int keywordsLookedUp,
        IReadOnlyDictionary<int, double>? channelWeights = null)
    {
        var strongestChannel = channelWeights is { Count: > 0 } ? channelWeights.Values.Max() : 0;
        var strongest = keywordWeights.Where(k => k.Value > 0).OrderByDescending(k => k.Value).ThenBy(k => k.Key, StringComparer.Ordinal)
            .Take(keywordsLookedUp).ToList();
        var total = strongest.Sum(k => k.Value);
        if (total <= 0)
        {
            return [];
        }

        var scores = new Dictionary<long, double>();
        foreach (var (keyword, weight) in strongest)
        {
            if (!catalog.ByKeyword.TryGetValue(keyword, out var articles))
            {
                continue;
            }

            foreach (var articleId in articles)
            {
                if (catalog.TryGet(articleId, out var article))
                {
                    var share = article.KeywordList.FirstOrDefault(k => k.Keyword == keyword).Weight;
                    var inChannel = strongestChannel > 0 ? Math.Max(0, channelWeights!.GetValueOrDefault(article.ChannelId)) / strongestChannel : 0;
                    scores[articleId] = scores.GetValueOrDefault(articleId) + (weight / total * share * (1 + inChannel));
                }
            }
        }

        return Ranked(scores, catalog, DayMs);
    }

    /// <summary>The scored articles, each score halved per <paramref name="halfLifeMs"/> of age behind the catalogue's newest, best first (ties: newer first).</summary>
    internal static long[] Ranked(Dictionary<long, double> scores, ArticleCatalog catalog, double halfLifeMs)
        => [.. scores
            .Select(s => (Id: s.Key, Score: s.Value * Math.Pow(0.5, Math.Max(0, catalog.NewestPublishedAtMs - catalog.Articles[s.Key].PublishedAtMs) / halfLifeMs)))
            .OrderByDescending(s => s.Score).ThenByDescending(s => s.Id)
            .Take(MaxRanked)
            .Select(s => s.Id)];
}
