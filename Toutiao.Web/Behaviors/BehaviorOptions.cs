namespace Toutiao.Web.Behaviors;

/// <summary>
/// Settings of the behaviour log; section <c>Behaviors</c>. The reported actions' stream is not
/// trimmed here: Reco trims it once its consumer group has applied the entries (<c>Behaviors:EventsKept</c>).
/// </summary>
public sealed class BehaviorOptions
{
    public const string SectionName = "Behaviors";

    /// <summary>About how many page exposures the stream keeps.</summary>
    public int ExposuresMaxLength { get; set; } = 100_000;
}
