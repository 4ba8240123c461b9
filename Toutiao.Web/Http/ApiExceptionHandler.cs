using System.Data.Common;
using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Toutiao.Web.Http;

/// <summary>
/// Every failure leaves as the Toutiao error envelope: <see cref="ApiException"/> with its own
/// status, storage outages as 503, anything else as 500 (logged, details never sent).
/// </summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>nginx's "client closed request": nobody reads it, but logs and metrics tell it apart from a failure.</summary>
    public const int ClientClosedRequest = 499;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away: a cancellation, not a failure of ours.
            LogClientGone(httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.StatusCode = ClientClosedRequest;
            return true;
        }

        var (status, message) = exception switch
        {
            ApiException api => (api.StatusCode, api.Message),
            BadHttpRequestException bad => (bad.StatusCode, "The request is malformed."),
            // Redis refusing (OOM, READONLY) or unreachable, MySQL down or slow, a storage call's own
            // timeout cancelling it: all the storage's doing, none the client's, and all retryable.
            RedisException or RedisTimeoutException or DbException or SocketException or TimeoutException or OperationCanceledException
                => (StatusCodes.Status503ServiceUnavailable, "Storage is temporarily unavailable."),
            _ => (StatusCodes.Status500InternalServerError, "Internal server error."),
        };

        if (status >= 500)
        {
            LogFailure(httpContext.Request.Method, httpContext.Request.Path, status, exception);
        }

        httpContext.Response.StatusCode = status;
        await httpContext.Response.WriteAsJsonAsync(new ApiError(message), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} cancelled: the client disconnected")]
    private partial void LogClientGone(string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {StatusCode}")]
    private partial void LogFailure(string method, string path, int statusCode, Exception exception);
}
