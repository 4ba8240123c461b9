namespace Toutiao.Contracts.Recall;

/// <summary>Redis keys of the recall candidates.</summary>
public static class RecallKeys
{
    /// <summary>Present while the recall sets are built and fresh; its absence triggers a rebuild.</summary>
    public const string BuiltMarker = "ch:recall:built";

    /// <summary>A counter raised whenever readers' actions raised hot scores: the copies in memory reload.</summary>
    public const string HotVersion = "ch:recall:hot-version";

    /// <summary>A counter raised whenever articles published since the last build were added to the sets: the copies in memory reload.</summary>
    public const string NewVersion = "ch:recall:new-version";

    /// <summary>
    /// The largest approved article id the last build read: articles past it were published since.
    /// Not the sets' largest, which the window may leave out (an older import with larger ids).
    /// </summary>
    public const string BuiltUpTo = "ch:recall:up-to";

    /// <summary>Held by the one process that rebuilds, so replicas do not rebuild together.</summary>
    public const string BuildLock = "ch:recall:lock";

    /// <summary>Sorted set of a channel's approved articles, score = publish time (Unix ms).</summary>
    public static string New(int channelId) => $"ch:{channelId}:new";

    /// <summary>Sorted set of a channel's approved articles, score = hotness.</summary>
    public static string Hot(int channelId) => $"ch:{channelId}:hot";

    /// <summary>The keywords that have a <see cref="Keyword"/> set (a set of words).</summary>
    public const string Keywords = "kw:index";

    /// <summary>
    /// Sorted set of the newest approved articles with the keyword among their top keywords (at most
    /// <see cref="ArticlesPerKeyword"/>), score = publish time (Unix ms): content recall's keyword → recent articles.
    /// </summary>
    public static string Keyword(string keyword) => $"kw:{keyword}:new";

    /// <summary>How many articles a keyword's set keeps (the newest).</summary>
    public const int ArticlesPerKeyword = 200;
}
