namespace Toutiao.Simulator.Evaluation;

/// <summary>The ranking metrics of the evaluation, as pure functions of one page.</summary>
public static class Metrics
{
    /// <summary>
    /// NDCG@k of binary relevance in page order: DCG = Σ rel_i / log2(i + 2) over the first k
    /// positions (i from 0), divided by the DCG of <paramref name="idealRelevant"/> relevant items on
    /// top (the catalogue always holds at least k relevant articles, so the ideal page is all relevant).
    /// </summary>
    public static double Ndcg(IReadOnlyList<bool> relevant, int k = 10, int? idealRelevant = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var ideal = Dcg(Enumerable.Repeat(true, Math.Min(idealRelevant ?? k, k)).ToList(), k);
        return ideal == 0 ? 0 : Dcg(relevant, k) / ideal;
    }

    public static double Dcg(IReadOnlyList<bool> relevant, int k)
    {
        var dcg = 0.0;
        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            if (relevant[i])
            {
                dcg += 1 / Math.Log2(i + 2);
            }
        }

        return dcg;
    }

    /// <summary>1 when at least one of the first k items is relevant, else 0.</summary>
    public static double HitRate(IReadOnlyList<bool> relevant, int k = 10) => relevant.Take(k).Any(r => r) ? 1 : 0;

    /// <summary>
    /// Intra-list diversity: the share of the page's pairs of articles whose channels differ (0: one
    /// channel, 1: every article from another). Null for a page of fewer than two articles.
    /// </summary>
    public static double? IntraListDiversity(IReadOnlyList<int> channels)
    {
        if (channels.Count < 2)
        {
            return null;
        }

        var pairs = 0;
        var different = 0;
        for (var i = 0; i < channels.Count; i++)
        {
            for (var j = i + 1; j < channels.Count; j++)
            {
                pairs++;
                if (channels[i] != channels[j])
                {
                    different++;
                }
            }
        }

        return (double)different / pairs;
    }
}
