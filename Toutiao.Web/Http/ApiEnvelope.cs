namespace Toutiao.Web.Http;

/// <summary>The Toutiao response envelope: <c>{"message":"OK","data":...}</c>.</summary>
public sealed record ApiEnvelope<T>(string Message, T Data);

public static class ApiEnvelope
{
    public static ApiEnvelope<T> Ok<T>(T data) => new("OK", data);
}
