namespace Toutiao.Web.Articles;

/// <summary>A page of cards: the channel's pinned articles (when asked for) and the requested ones, in order.</summary>
/// <param name="DegradedBecause">
/// <c>mysql</c>: MySQL could not load the misses, the page holds only what Redis had.
/// <c>redis</c>: Redis failed, the page was read from MySQL, without pinned articles.
/// </param>
public sealed record CachedPage(IReadOnlyList<ArticleCard> Pinned, IReadOnlyList<ArticleCard> Articles, string? DegradedBecause = null);
