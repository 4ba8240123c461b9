namespace Toutiao.Web.Feed;

public sealed class RecoOptions
{
    public const string SectionName = "Reco";

    /// <summary>Where Reco is; resolved by service discovery (<c>services:reco:http:0</c>).</summary>
    public Uri Address { get; set; } = new("http://reco");

    /// <summary>The longest gRPC deadline of one recommendation call; within a request, half of what the request has left if that is less.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long Reco is not called after the circuit breaker opened; then one call tries it again.
    /// Short, so a reader gets personalised pages again within a second of Reco's return.
    /// </summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long this process keeps a page Reco recorded, to serve it again without asking (<see cref="RecordedPages"/>); zero keeps none.</summary>
    public TimeSpan RecordedPageLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>At most this many recorded pages kept, 10 per reader and channel: about 17 KB each with their tracking strings, so 34 MB.</summary>
    public int RecordedPagesKept { get; set; } = 2_000;
}
