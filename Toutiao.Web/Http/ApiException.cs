namespace Toutiao.Web.Http;

/// <summary>A request that cannot be served, with the status and message the client should see.</summary>
public sealed class ApiException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>When the client may try again (a 429's or 503's <c>Retry-After</c>).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ApiException TooManyRequests(TimeSpan retryAfter)
        => new(StatusCodes.Status429TooManyRequests, $"Too many requests: try again in {RetryAfterSeconds(retryAfter)} s.") { RetryAfter = retryAfter };

    /// <summary>Whole seconds, at least 1: what <c>Retry-After</c> says.</summary>
    public static int RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public static ApiException BadRequest(string message) => new(StatusCodes.Status400BadRequest, message);

    public static ApiException NotFound(string message) => new(StatusCodes.Status404NotFound, message);
}
