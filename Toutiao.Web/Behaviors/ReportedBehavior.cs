namespace Toutiao.Web.Behaviors;

/// <summary>One action a reader reported with a tracking string Reco issued to them.</summary>
public sealed record ReportedBehavior(string Action, string UserId, long ArticleId, string Algorithm, long IssuedAtMs, int? ReadTimeSeconds);
