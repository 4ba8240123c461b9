namespace Toutiao.Web.Behaviors;

/// <summary>
/// One action of a reader for the behaviour stream: reported with a tracking string Reco issued to
/// them, or done in the app (<see cref="BehaviorLog.AppendActionAsync"/>); <paramref name="AuthorId"/>
/// is the user followed or unfollowed, 0 otherwise. <see cref="Once"/>: the key a reported one is applied once by (<see cref="ReportedOnce.OnceKey"/>).
/// </summary>
public sealed record ReportedBehavior(string Action, string UserId, long ArticleId, string Algorithm, long IssuedAtMs, int? ReadTimeSeconds, long AuthorId = 0)
{
    public string? Once { get; init; }

    /// <summary>Whether it raises the article's counts and hotness: false for a reader without sign-in whose client address reported it already.</summary>
    public bool Counted { get; init; } = true;
}
