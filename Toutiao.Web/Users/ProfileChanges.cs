namespace Toutiao.Web.Users;

/// <summary>The changes a user asks for; absent fields stay as they are.</summary>
public sealed record ProfileChanges(string? Name, int? Gender, string? Birthday, string? Intro);
