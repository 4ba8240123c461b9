namespace Toutiao.Simulator.WebApi;

/// <summary>One article of a feed page with the tracking strings the app reports back.</summary>
public sealed record FeedItem(long ArticleId, long AuthorId, string Click, string Read, string Collect);

/// <summary>A page of the feed: its articles and the cursor to the reader's previous page (0: none).</summary>
public sealed record FeedPage(long PreTimestamp, IReadOnlyList<FeedItem> Items);

/// <summary>One reported behaviour: a tracking string of the page, with the seconds read for a read.</summary>
public sealed record Behavior(string Param, int? ReadTime = null);
