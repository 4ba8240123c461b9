namespace Toutiao.Contracts.Behaviors;

/// <summary>
/// The behaviour log between Web (producer) and Reco (consumer): Redis Streams on the <c>redis</c>
/// server (never evicted, append-only). Reported actions go to <see cref="Events"/>, which Reco's
/// consumer group applies; each fresh page's exposure goes to <see cref="Exposures"/>, kept (bounded)
/// for the offline side. Every entry carries the W3C <c>traceparent</c> of the request that made it.
/// <para>
/// The actions on <see cref="Events"/>: <c>click</c>, <c>read</c>, <c>collect</c>, <c>share</c>
/// reported with a page's tracking strings (<c>POST /v1_0/behaviors</c>, with the page's algorithm);
/// and what a signed-in reader did in the app, appended by Web once it is done, with no algorithm:
/// <c>like</c>, <c>dislike</c>, <c>collect</c> (the collections endpoint), <c>comment</c> (a reply
/// too, on the replied article), and <c>follow</c> / <c>unfollow</c>, which are of an
/// <see cref="Fields.Author"/> and have article <c>0</c>. A like, collect, follow or unfollow
/// repeated without changing anything is not appended again.
/// </para>
/// </summary>
public static class BehaviorStream
{
    public const string Events = "behavior:events";
    public const string Exposures = "behavior:exposures";

    /// <summary>Published after entries are appended to <see cref="Events"/>, so consumers wake at once instead of polling.</summary>
    public const string AppendedChannel = "behavior:events:appended";

    /// <summary>The consumer group of Reco's replicas: each entry is delivered to one of them.</summary>
    public const string ConsumerGroup = "reco";

    /// <summary>Entry fields.</summary>
    public static class Fields
    {
        public const string Action = "action";
        public const string User = "user";
        public const string Article = "article";
        public const string Algorithm = "algorithm";
        public const string IssuedAt = "issued_at";
        public const string ReadTime = "read_time";
        public const string ReportedAt = "reported_at";
        public const string TraceParent = "traceparent";

        /// <summary>The user followed or unfollowed (<c>follow</c>, <c>unfollow</c>); empty for the other actions.</summary>
        public const string Author = "author";

        /// <summary>
        /// A reported action's once-key (who, what, which article): the consumer applies one entry
        /// per key, however often the same tracking string was reported; empty for the app's actions.
        /// </summary>
        public const string Once = "once";

        /// <summary><c>0</c>: applied to the reader only, not to the article's counts and hotness (a reader without sign-in whose client reported it already).</summary>
        public const string Counted = "counted";
    }
}
