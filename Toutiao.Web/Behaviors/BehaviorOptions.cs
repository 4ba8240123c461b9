namespace Toutiao.Web.Behaviors;

/// <summary>Settings of the behaviour log; section <c>Behaviors</c>.</summary>
public sealed class BehaviorOptions
{
    public const string SectionName = "Behaviors";

    /// <summary>About how many reported actions the stream keeps (trimmed with <c>MAXLEN ~</c>); applied ones are kept too, for the offline side.</summary>
    public int EventsMaxLength { get; set; } = 1_000_000;

    /// <summary>About how many page exposures the stream keeps.</summary>
    public int ExposuresMaxLength { get; set; } = 100_000;
}
