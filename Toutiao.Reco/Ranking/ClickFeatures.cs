using Toutiao.Contracts.Articles;
namespace Toutiao.Reco.Ranking;

/// <summary>
/// The click model's features of one article for one reader, each in 0..1, computed the same way
/// from an exposure replayed at training and from the live profile at serving:
/// <list type="bullet">
/// <item><c>affinity</c>: the share of the reader's profile weight on the article's channel;</item>
/// <item><c>in_profile</c>: 1 when the channel is in the profile at all;</item>
/// <item><c>author_affinity</c>: the share of the reader's author weight on the article's author;</item>
/// <item><c>keyword_similarity</c>: the cosine between the reader's keyword weights and the article's;</item>
/// <item><c>hotness</c>: log(1 + hotness) / log(1 + the catalogue's largest);</item>
/// <item><c>recency</c>: 0.5^(age / 24 h), the age counted from the catalogue's newest article;</item>
/// <item><c>position</c>: the place on the page / 10 at training; 0 at serving, so the model's
/// ranking is read as if every article had the top place (position bias learnt, not served).</item>
/// </list>
/// </summary>
public static class ClickFeatures
{
    public static readonly string[] Names = ["affinity", "in_profile", "author_affinity", "keyword_similarity", "hotness", "recency", "position"];

    public const int Count = 7;

    private const double RecencyHalfLifeMs = 24 * 3_600_000d;

    public static float[] For(double affinity, double authorAffinity, double keywordSimilarity, ArticleFacts article, ArticleCatalog catalog, int position)
    {
        var features = new float[Count];
        Write(features, affinity, authorAffinity, keywordSimilarity, article, catalog, position);
        return features;
    }

    public static void Write(Span<float> features, double affinity, double authorAffinity, double keywordSimilarity, ArticleFacts article, ArticleCatalog catalog, int position)
    {
        features[0] = (float)Math.Clamp(affinity, 0, 1);
        features[1] = affinity > 0 ? 1 : 0;
        features[2] = (float)Math.Clamp(authorAffinity, 0, 1);
        features[3] = (float)Math.Clamp(keywordSimilarity, 0, 1);
        features[4] = catalog.MaxHotness > 0 ? (float)(Math.Log(1 + Math.Max(0, article.Hotness)) / Math.Log(1 + catalog.MaxHotness)) : 0;
        features[5] = (float)Math.Pow(0.5, Math.Max(0, catalog.NewestPublishedAtMs - article.PublishedAtMs) / RecencyHalfLifeMs);
        features[6] = Math.Min(position, 50) / 10f;
    }

    /// <summary>The length of a weight vector, for <see cref="KeywordSimilarity"/>.</summary>
    public static double Norm(IEnumerable<double> weights) => Math.Sqrt(weights.Sum(w => w * w));

    /// <summary>The cosine between the reader's keyword weights (of length <paramref name="norm"/>) and the article's keywords (0 when either has none).</summary>
    public static double KeywordSimilarity(IReadOnlyDictionary<string, double> weights, double norm, IReadOnlyList<ArticleKeyword> keywords)
    {
        if (norm <= 0 || keywords.Count == 0)
        {
            return 0;
        }

        double dot = 0, length = 0;
        foreach (var keyword in keywords)
        {
            dot += weights.GetValueOrDefault(keyword.Keyword) * keyword.Weight;
            length += keyword.Weight * keyword.Weight;
        }

        return length > 0 ? dot / (norm * Math.Sqrt(length)) : 0;
    }

    /// <summary>The share of <paramref name="weights"/> on <paramref name="key"/> (0 without a profile).</summary>
    public static double Affinity<TKey>(IReadOnlyDictionary<TKey, double> weights, double total, TKey key)
        where TKey : notnull
        => total > 0 && weights.TryGetValue(key, out var weight) && weight > 0 ? weight / total : 0;
}
