using System.Text.Json.Serialization;

namespace Toutiao.Web.Users;

/// <summary>What a user may see and change of themselves.</summary>
public sealed record UserProfile(
    long Id, string Name, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Photo, string Mobile, int Gender,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Birthday, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Intro);
