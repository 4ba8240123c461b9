namespace Toutiao.Web.Articles;

/// <summary>What one shared article load hands its waiters: the article and its author.</summary>
internal sealed record LoadedArticle(ArticleInfo Info, AuthorProfile? Author);
