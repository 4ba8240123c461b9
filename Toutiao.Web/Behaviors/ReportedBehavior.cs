namespace Toutiao.Web.Behaviors;

/// <summary>
/// One action of a reader for the behaviour stream: reported with a tracking string Reco issued to
/// them, or done in the app (<see cref="BehaviorLog.AppendActionAsync"/>); <paramref name="AuthorId"/>
/// is the user followed or unfollowed, 0 otherwise.
/// </summary>
public sealed record ReportedBehavior(string Action, string UserId, long ArticleId, string Algorithm, long IssuedAtMs, int? ReadTimeSeconds, long AuthorId = 0);
