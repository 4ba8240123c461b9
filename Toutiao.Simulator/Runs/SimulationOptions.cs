namespace Toutiao.Simulator.Runs;

/// <summary>
/// The run's size and the reader model's parameters. Every setting may be given as
/// <c>--Name value</c> or in the environment as <c>Simulation__Name</c> (see <see cref="SimulatorSettings"/>).
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>Readers in all, split evenly over the arms.</summary>
    public int Readers { get; init; } = 240;

    /// <summary>Training rounds ("compressed days"): every reader has one session a round.</summary>
    public int Rounds { get; init; } = 16;

    /// <summary>Seeds the readers' tastes and every draw they make.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>The A/B buckets' arms: the map Reco is given.</summary>
    public BucketMap Buckets { get; init; } = BucketMap.Parse("");

    /// <summary>Readers in a session at the same time (each reader's own calls are one after another).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Makes this run's reader ids its own (Reco remembers readers for days). Empty: one is drawn.</summary>
    public string RunTag { get; init; } = "";

    /// <summary>Pages of each channel's article list read to learn the catalogue (0: all of them).</summary>
    public int CataloguePagesPerChannel { get; init; }

    public int CataloguePerPage { get; init; } = 50;

    public int LikedChannels { get; init; } = 2;

    /// <summary>A reader likes 0 to this many authors, drawn from the whole catalogue.</summary>
    public int MaxLikedAuthors { get; init; } = 3;

    /// <summary>A reader likes 0 to this many topic words of titles, drawn from the whole catalogue.</summary>
    public int MaxLikedWords { get; init; } = 3;

    /// <summary>Chance to click an examined article whose title has a liked word (at least this, whatever its channel).</summary>
    public double LikedWordClick { get; init; } = 0.3;

    /// <summary>Chance to click an examined article of a liked channel.</summary>
    public double LikedClick { get; init; } = 0.35;

    /// <summary>Chance to click an examined article of any other channel.</summary>
    public double OtherClick { get; init; } = 0.02;

    /// <summary>Chance to click an examined article of a liked author (at least this, whatever its channel).</summary>
    public double LikedAuthorClick { get; init; } = 0.25;

    /// <summary>Position bias: the article at position p (0 the top) is examined with probability ExamineDecay^p.</summary>
    public double ExamineDecay { get; init; } = 0.85;

    /// <summary>Fatigue: each article of the same channel examined earlier in the session multiplies the click chance by this.</summary>
    public double ChannelFatigue { get; init; } = 0.95;

    /// <summary>Chance that the session ends after its first page; each further page adds <see cref="SessionEndGrowth"/>.</summary>
    public double SessionEnd { get; init; } = 0.25;

    public double SessionEndGrowth { get; init; } = 0.1;

    /// <summary>A session never has more pages than this.</summary>
    public int MaxPagesPerSession { get; init; } = 8;

    /// <summary>Chance that a next page is the history page before (timestamp = pre_timestamp) rather than a fresh one.</summary>
    public double HistoryPaging { get; init; } = 0.15;

    /// <summary>Chance that a clicked article is also collected.</summary>
    public double Collect { get; init; } = 0.08;

    /// <summary>Fresh pages a reader is shown before "liked share after N pages" counts their pages.</summary>
    public int LikedShareAfterPages { get; init; } = 8;

    /// <summary>The cut-off of the held-out page's metrics (NDCG@k, HitRate@k).</summary>
    public int K { get; init; } = 10;

    /// <summary>
    /// Held-out pages per reader after the last round, one after another; NDCG and HitRate are their
    /// mean. More than one for a small run: a page's relevance is a draw, so 25 readers' single pages
    /// give an NDCG that varies by a third from run to run.
    /// </summary>
    public int HeldOutPages { get; init; } = 1;
}
