using System.Diagnostics;

namespace Toutiao.Web.Http;

/// <summary>
/// Counts every API request by route and outcome from the status the client gets. It runs outside
/// the exception handler and the rate limiter, so a failure while binding (sign-in, body), inside a
/// handler or at a limit is counted as it was answered: the metric and the status cannot disagree.
/// </summary>
public sealed class ApiMetricsMiddleware(RequestDelegate next, ApiMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.Metadata.GetMetadata<ApiEndpointMetadata>() is null)
        {
            await next(context);
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away after the answer had started: theirs, not ours.
            status = ApiFailure.ClientClosedRequest;
            throw;
        }
        finally
        {
            // An exception that got past the exception handler ends the request as a 500.
            metrics.Record(endpoint.RoutePattern.RawText ?? "unknown", context.Request.Method, ApiMetrics.Outcome(status), Stopwatch.GetElapsedTime(started));
        }
    }
}
