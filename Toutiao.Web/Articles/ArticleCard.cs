namespace Toutiao.Web.Articles;

/// <summary>An article with its author and counters: everything a list item shows.</summary>
public sealed record ArticleCard(ArticleInfo Info, AuthorProfile? Author, ArticleCounts Counts);
