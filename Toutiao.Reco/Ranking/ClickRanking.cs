using Toutiao.Reco.Profiles;

namespace Toutiao.Reco.Ranking;

/// <summary>Orders a reader's candidates by the click model's predicted probability of a click.</summary>
public static class ClickRanking
{
    /// <summary>
    /// Each candidate's place in the model's order (0: the likeliest click); ties keep the
    /// candidates' order. An article the catalogue does not know scores as a cold, old one.
    /// </summary>
    public static int[] Places(ClickModel model, ArticleCatalog catalog, ReaderProfile profile, IReadOnlyList<long> candidates)
    {
        var total = profile.ChannelWeights.Values.Sum();
        var authorTotal = profile.AuthorWeights.Values.Sum();
        var keywordNorm = ClickFeatures.Norm(profile.KeywordWeights.Values);
        Span<float> features = stackalloc float[ClickFeatures.Count];
        var scores = new double[candidates.Count];
        for (var i = 0; i < candidates.Count; i++)
        {
            catalog.TryGet(candidates[i], out var article);
            ClickFeatures.Write(features, ClickFeatures.Affinity(profile.ChannelWeights, total, article.ChannelId),
                ClickFeatures.Affinity(profile.AuthorWeights, authorTotal, article.AuthorId),
                ClickFeatures.KeywordSimilarity(profile.KeywordWeights, keywordNorm, article.KeywordList), article, catalog, position: 0);
            scores[i] = model.Score(features);
        }

        var order = Enumerable.Range(0, candidates.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        var places = new int[candidates.Count];
        for (var place = 0; place < order.Length; place++)
        {
            places[order[place]] = place;
        }

        return places;
    }
}
