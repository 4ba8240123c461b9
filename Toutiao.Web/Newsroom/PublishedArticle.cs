using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Newsroom;

/// <summary>An article the newsroom published: its id, channel, author, title and keywords.</summary>
public sealed record PublishedArticle(long ArticleId, int ChannelId, long AuthorId, string Title, IReadOnlyList<ArticleKeyword> Keywords);
