namespace Toutiao.Contracts.Articles;

/// <summary>
/// One of an article's keywords (TF-IDF top 5 of its title and body, <c>news_article_keyword</c>)
/// with its weight; an article's weights add up to 1. Web writes them, Reco recalls and ranks by them.
/// </summary>
public readonly record struct ArticleKeyword(string Keyword, double Weight);
