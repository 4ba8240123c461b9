using System.Text.Json.Serialization;

namespace Toutiao.Web.Comments;

/// <summary>The answer to a posted comment or reply, as the app reads it.</summary>
public sealed record PostedComment(long ComId, long Target, long? ArtId, CommentItem NewObj);

/// <summary>
/// A comment as posted: its answer and the article it counts for. Stored with an
/// <c>Idempotency-Key</c>; <see cref="Replayed"/> when this is that stored first answer.
/// </summary>
public sealed record CommentPosting(long ArticleId, PostedComment Answer)
{
    [JsonIgnore]
    public bool Replayed { get; init; }
}
