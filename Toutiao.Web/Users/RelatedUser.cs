using System.Text.Json.Serialization;

namespace Toutiao.Web.Users;

/// <summary>A user in a list of followings or followers.</summary>
public sealed record RelatedUser(long Id, string Name, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Photo, long FansCount, bool MutualFollow);
