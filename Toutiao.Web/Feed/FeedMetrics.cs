using System.Diagnostics;
using System.Diagnostics.Metrics;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

/// <summary>Feed requests by outcome and their latency, for the charts ops watch.</summary>
public sealed class FeedMetrics
{
    public const string MeterName = "Toutiao.Web.Feed";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _degraded;

    public FeedMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("toutiao.feed.requests", "{request}", "Feed requests by outcome.");
        _duration = meter.CreateHistogram<double>("toutiao.feed.duration", "s", "Time to serve a feed page.");
        _degraded = meter.CreateCounter<long>("toutiao.feed.degraded", "{page}", "Feed pages served without a dependency, by the dependency.");
    }

    public void RecordDegraded(string without) => _degraded.Add(1, new KeyValuePair<string, object?>("without", without));

    public void Record(string outcome, TimeSpan elapsed)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _requests.Add(1, tag);
        _duration.Record(elapsed.TotalSeconds, tag);
    }

    public static string Outcome(int statusCode) => statusCode switch
    {
        < 400 => "ok",
        400 => "bad_request",
        401 or 403 => "unauthorized",
        503 => "unavailable",
        _ => "error",
    };
}

/// <summary>Measures every feed request, including the ones that end in an <see cref="ApiException"/>.</summary>
public sealed class FeedMetricsFilter(FeedMetrics metrics) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await next(context);
            metrics.Record("ok", Stopwatch.GetElapsedTime(started));
            return result;
        }
        catch (Exception ex)
        {
            var outcome = ex is OperationCanceledException && context.HttpContext.RequestAborted.IsCancellationRequested
                ? "cancelled"
                : FeedMetrics.Outcome(ex is ApiException api ? api.StatusCode : 500);
            metrics.Record(outcome, Stopwatch.GetElapsedTime(started));
            throw;
        }
    }
}
