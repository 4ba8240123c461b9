using System.Text.Json.Serialization;

namespace Toutiao.Web.Comments;

/// <summary>A comment or reply as the app shows it.</summary>
public sealed record CommentItem(
    long ComId, long AutId, string AutName, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AutPhoto, long LikeCount, long ReplyCount,
    DateTime Pubdate, string Content, int IsTop, bool IsLiking);
