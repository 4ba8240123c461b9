namespace Toutiao.Simulator.Catalogue;

/// <summary>What a client can know of an article from the channel lists: its channel and author.</summary>
public sealed record CatalogueArticle(long Id, int ChannelId, long AuthorId);
