namespace Toutiao.Web.Articles;

/// <summary>The trace parameters the app reports back for a recommended article.</summary>
public sealed record ArticleTrace(string Click, string Collect, string Share, string Read);
