namespace Toutiao.Web.Articles;

/// <summary>What is cached of an author under <c>user:{id}:profile</c>.</summary>
public sealed record AuthorProfile(long UserId, string Name, string? Photo);
