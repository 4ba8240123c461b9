namespace Toutiao.Web.Http;

/// <summary>The error envelope: <c>{"message":"what is wrong"}</c>.</summary>
public sealed record ApiError(string Message);
