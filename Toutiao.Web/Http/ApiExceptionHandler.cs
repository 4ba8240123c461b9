using Microsoft.AspNetCore.Diagnostics;

namespace Toutiao.Web.Http;

/// <summary>
/// Every failure leaves as the Toutiao error envelope: <see cref="ApiException"/> with its own
/// status, storage outages as 503, anything else as 500 (logged, details never sent).
/// </summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, message) = ApiFailure.Of(exception, httpContext.RequestAborted);
        if (status == ApiFailure.ClientClosedRequest)
        {
            // The client went away: a cancellation, not a failure of ours.
            LogClientGone(httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.StatusCode = status;
            return true;
        }

        if (status >= 500)
        {
            LogFailure(httpContext.Request.Method, httpContext.Request.Path, status, exception);
        }

        httpContext.Response.StatusCode = status;
        if (exception is ApiException { RetryAfter: { } retryAfter })
        {
            httpContext.Response.Headers.RetryAfter = ApiException.RetryAfterSeconds(retryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await httpContext.Response.WriteAsJsonAsync(new ApiError(message), cancellationToken);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} cancelled: the client disconnected")]
    private partial void LogClientGone(string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed with {StatusCode}")]
    private partial void LogFailure(string method, string path, int statusCode, Exception exception);
}
