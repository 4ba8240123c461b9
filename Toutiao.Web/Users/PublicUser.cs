using System.Text.Json.Serialization;

namespace Toutiao.Web.Users;

// The app reads these fields whether or not they have a value (a null shows nothing; an absent
// birthday breaks its date picker): written as null rather than left out.

/// <summary>A user as others see them (<c>GET /v1_0/users/{id}</c>, and oneself at <c>GET /v1_0/user</c>).</summary>
public sealed record PublicUser(
    long Id, string Name, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Photo, bool IsMedia, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Intro, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Certi,
    long ArtCount, long FollowCount, long FansCount, long LikeCount, bool? IsFollowing);
