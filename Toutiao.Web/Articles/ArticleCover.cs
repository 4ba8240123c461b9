namespace Toutiao.Web.Articles;

/// <summary>The cover of an article: type 0 (none), 1 (one image) or 3 (three images).</summary>
public sealed record ArticleCover(int Type, IReadOnlyList<string> Images);
