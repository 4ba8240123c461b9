namespace Toutiao.Web.Feed;

/// <param name="DegradedBecause">Set when the page is not personalised: Reco had to do without Redis (<c>redis</c>), or Reco itself was unavailable (<c>reco</c>).</param>
public sealed record Recommendation(long PreviousTimestamp, string Exposure, IReadOnlyList<RecommendedArticle> Articles, string? DegradedBecause = null)
{
    /// <summary>False for a later page of a reader without identity: the channel's pinned articles were on its first.</summary>
    public bool StartsAtTop { get; init; } = true;

    /// <summary>Reco recorded this page under the request's timestamp: the same request gets it again (<see cref="RecordedPages"/>).</summary>
    public bool Recorded { get; init; }
}
