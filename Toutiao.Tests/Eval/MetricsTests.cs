using Toutiao.Simulator.Evaluation;

namespace Toutiao.Tests.Eval;

/// <summary>The held-out page's metrics: NDCG@10, HitRate@10 and intra-list diversity.</summary>
[Trait("Category", "Unit")]
public sealed class MetricsTests
{
    // DCG of ten relevant items: Σ 1/log2(i + 2), i = 0..9.
    private static readonly double IdealDcg = Enumerable.Range(0, 10).Sum(i => 1 / Math.Log2(i + 2));

    private static bool[] Page(params int[] relevantPositions)
        => Enumerable.Range(0, 10).Select(relevantPositions.Contains).ToArray();

    [Fact]
    public void Ndcg_is_1_for_a_page_of_relevant_articles_and_0_for_none()
    {
        Assert.Equal(1, Metrics.Ndcg(Enumerable.Repeat(true, 10).ToList()), 12);
        Assert.Equal(0, Metrics.Ndcg(Page()));
    }

    [Fact]
    public void Ndcg_weighs_a_relevant_article_by_its_position_against_ten_relevant_ones()
    {
        Assert.Equal(1 / IdealDcg, Metrics.Ndcg(Page(0)), 12);
        Assert.Equal(1 / Math.Log2(3) / IdealDcg, Metrics.Ndcg(Page(1)), 12);
        Assert.Equal((1 + 1 / Math.Log2(11)) / IdealDcg, Metrics.Ndcg(Page(0, 9)), 12);
        Assert.True(Metrics.Ndcg(Page(0)) > Metrics.Ndcg(Page(5)));
        // Only the first k count; a short page is scored against ten relevant all the same.
        Assert.Equal(1 / IdealDcg, Metrics.Ndcg([true, .. Page(), true]), 12);
        Assert.Equal(Metrics.Ndcg(Page(0, 1)), Metrics.Ndcg([true, true]), 12);
    }

    [Fact]
    public void Hit_rate_is_whether_any_of_the_first_k_is_relevant()
    {
        Assert.Equal(1, Metrics.HitRate(Page(9)));
        Assert.Equal(0, Metrics.HitRate(Page()));
        Assert.Equal(0, Metrics.HitRate([false, false, true], k: 2));
    }

    [Fact]
    public void Intra_list_diversity_is_the_share_of_pairs_from_different_channels()
    {
        Assert.Equal(0, Metrics.IntraListDiversity([3, 3, 3, 3]));
        Assert.Equal(1, Metrics.IntraListDiversity([1, 2, 3, 4]));
        // Pairs (1,1) same, (1,2) twice different: 2 of 3.
        Assert.Equal(2.0 / 3, Metrics.IntraListDiversity([1, 1, 2])!.Value, 12);
        // Ten articles, seven of one channel: 21 of 45 pairs alike.
        Assert.Equal(24.0 / 45, Metrics.IntraListDiversity([5, 5, 5, 5, 5, 5, 5, 1, 2, 3])!.Value, 12);
        Assert.Null(Metrics.IntraListDiversity([7]));
    }
}
