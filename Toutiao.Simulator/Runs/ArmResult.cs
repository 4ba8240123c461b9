namespace Toutiao.Simulator.Runs;

/// <summary>What one arm's readers were shown and did, and how its held-out pages scored.</summary>
public sealed record ArmResult
{
    public required string Arm { get; init; }

    public required int Readers { get; init; }

    /// <summary>Training pages (fresh and history) shown.</summary>
    public required int Pages { get; init; }

    public required int HistoryPages { get; init; }

    /// <summary>Articles on the training pages.</summary>
    public required int Shown { get; init; }

    public required int Clicks { get; init; }

    public required int Collects { get; init; }

    /// <summary>Clicks per article shown.</summary>
    public double Ctr => Shown == 0 ? 0 : (double)Clicks / Shown;

    /// <summary>Every click is read: reads per training page.</summary>
    public double ReadsPerPage => Pages == 0 ? 0 : (double)Clicks / Pages;

    public required double Ndcg { get; init; }

    public required double HitRate { get; init; }

    /// <summary>Readers whose held-out page was scored.</summary>
    public required int Evaluated { get; init; }

    /// <summary>Distinct articles shown (training and held-out pages) per article in the catalogue.</summary>
    public required double Coverage { get; init; }

    /// <summary>Mean over pages of the share of article pairs from different channels.</summary>
    public required double IntraListDiversity { get; init; }

    /// <summary>Share of liked-channel articles on fresh pages after a reader's first N (training and held-out).</summary>
    public required double LikedShareAfter { get; init; }

    /// <summary>Articles that share is over.</summary>
    public required int LikedShareArticles { get; init; }

    /// <summary>Calls of this arm's readers that failed (any non-2xx, no answer).</summary>
    public required int Errors { get; init; }

    public required int EmptyPages { get; init; }

    /// <summary>CTR of each training round (NaN for a round in which nothing was shown).</summary>
    public required IReadOnlyList<double> CtrPerRound { get; init; }
}
