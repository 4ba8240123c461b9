namespace Toutiao.Web.Comments;

/// <summary>One page of comments, paged by id as the original: <c>last_id</c> is the next <c>offset</c>, <c>end_id</c> the oldest of all.</summary>
public sealed record CommentPage(long TotalCount, long EndId, long LastId, IReadOnlyList<CommentItem> Results);
