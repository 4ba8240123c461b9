namespace Toutiao.Web.Http;

/// <summary>The Toutiao response envelope: <c>{"message":"OK","data":...}</c>.</summary>
public sealed record ApiEnvelope<T>(string Message, T Data);

/// <summary>The error envelope: <c>{"message":"what is wrong"}</c>.</summary>
public sealed record ApiError(string Message);

public static class ApiEnvelope
{
    public static ApiEnvelope<T> Ok<T>(T data) => new("OK", data);
}
