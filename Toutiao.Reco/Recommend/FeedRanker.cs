using Microsoft.Extensions.Options;
using Toutiao.Reco.Recall;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// Ranks recalled candidates by a blend of hotness and recency:
/// <c>rank = w · hotness / max(hotness) + (1 − w) · 0.5 ^ (age / half-life)</c>,
/// where age is measured from the newest candidate (so the blend does not decay with the wall
/// clock when nothing new is published) and w depends on the A/B bucket
/// (<see cref="RecommendationOptions.HotWeightAlgo1"/>, <see cref="RecommendationOptions.HotWeightAlgo2"/>).
/// Ties go to the newer article id, so the order is deterministic.
/// </summary>
public sealed class FeedRanker(IOptions<RecommendationOptions> options)
{
    public IReadOnlyList<long> Rank(IEnumerable<Candidate> candidates, string algorithm, int count)
    {
        var list = candidates as IReadOnlyCollection<Candidate> ?? candidates.ToList();
        if (list.Count == 0)
        {
            return [];
        }

        var settings = options.Value;
        var hotWeight = algorithm == AlgorithmBucket.Algo2 ? settings.HotWeightAlgo2 : settings.HotWeightAlgo1;
        var maxHot = Math.Max(1, list.Max(c => c.Hotness));
        var newest = list.Max(c => c.PublishedAtMs);
        var halfLifeMs = settings.RecencyHalfLifeHours * 3_600_000;

        return list
            .Select(c => (c.ArticleId, Rank: hotWeight * c.Hotness / maxHot
                                              + (1 - hotWeight) * Math.Pow(0.5, (newest - c.PublishedAtMs) / halfLifeMs)))
            .OrderByDescending(r => r.Rank)
            .ThenByDescending(r => r.ArticleId)
            .Take(count)
            .Select(r => r.ArticleId)
            .ToList();
    }
}
