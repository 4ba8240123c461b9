namespace Toutiao.Web.Articles;

/// <summary>What is cached of an article under <c>art:{id}:info</c>.</summary>
public sealed record ArticleInfo(long ArtId, string Title, long AutId, int ChannelId, DateTime Pubdate, ArticleCover Cover);
