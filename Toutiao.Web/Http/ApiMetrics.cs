using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Toutiao.Web.Http;

/// <summary>Every API request by route and outcome, and its latency: the charts ops watch per endpoint.</summary>
/// <remarks>
/// ASP.NET Core's <c>http.server.request.duration</c> has the status code; these have the outcome
/// in the API's terms, and tell a request the client gave up on (<c>cancelled</c>) from a failure.
/// </remarks>
public sealed class ApiMetrics
{
    public const string MeterName = "Toutiao.Web.Api";

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _duration;

    public ApiMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("toutiao.api.requests", "{request}", "API requests by route and outcome.");
        _duration = meter.CreateHistogram<double>("toutiao.api.duration", "s", "Time to answer an API request.");
    }

    public void Record(string route, string method, string outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "route", route }, { "method", method }, { "outcome", outcome } };
        _requests.Add(1, tags);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    public static string Outcome(int statusCode) => statusCode switch
    {
        < 400 => "ok",
        400 => "bad_request",
        401 or 403 => "unauthorized",
        404 => "not_found",
        429 => "rate_limited",
        ApiFailure.ClientClosedRequest => "cancelled",
        < 500 => "client_error",
        503 => "unavailable",
        _ => "error",
    };
}
