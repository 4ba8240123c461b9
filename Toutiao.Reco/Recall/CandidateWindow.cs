namespace Toutiao.Reco.Recall;

/// <summary>
/// A channel's window while its articles stream by from MySQL: the newest <c>count</c> and the
/// hottest <c>count</c> seen so far, in two heaps of at most <c>count</c> each. A rebuild then holds
/// the windows, never the catalogue, whatever it grows to. Ties go to the larger id.
/// </summary>
public sealed class CandidateWindow(int count)
{
    // Min-heaps: the least new (least hot) kept is the one a newer (hotter) article replaces.
    private readonly PriorityQueue<(long Id, double Time, double Hot), (double, long)> _newest = new();
    private readonly PriorityQueue<(long Id, double Time, double Hot), (double, long)> _hottest = new();

    public void Add((long Id, double Time, double Hot) article)
    {
        Keep(_newest, article, (article.Time, article.Id));
        Keep(_hottest, article, (article.Hot, article.Id));
    }

    /// <summary>The newest and the hottest, each once: at most twice the count.</summary>
    public List<(long Id, double Time, double Hot)> ToList()
        => [.. _newest.UnorderedItems.Select(i => i.Element).UnionBy(_hottest.UnorderedItems.Select(i => i.Element), a => a.Id)];

    private void Keep(PriorityQueue<(long Id, double Time, double Hot), (double, long)> kept, (long Id, double Time, double Hot) article, (double, long) rank)
    {
        if (kept.Count < count)
        {
            kept.Enqueue(article, rank);
        }
        else if (kept.TryPeek(out _, out var least) && rank.CompareTo(least) > 0)
        {
            kept.EnqueueDequeue(article, rank);
        }
    }
}
