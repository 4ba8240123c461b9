namespace Toutiao.ServiceDefaults.Tracking;

/// <summary>
/// The article counters in the <c>cache</c> Redis server, as the original system named them: one
/// sorted set per counter, article id → count. Web reads and warms them from MySQL; Reco's
/// behaviour consumer adds to them once they are there.
/// </summary>
public static class ArticleCounterKeys
{
    public const string Comments = "count:art:comm";
    public const string Likes = "count:art:liking";
    public const string Collects = "count:art:collecting";
    public const string Reads = "count:art:reading";
}
