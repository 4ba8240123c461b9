using System.Diagnostics.Metrics;

namespace Toutiao.Web.Feed;

/// <summary>Feed pages served without a dependency; requests and latency are <see cref="Http.ApiMetrics"/>'.</summary>
public sealed class FeedMetrics
{
    public const string MeterName = "Toutiao.Web.Feed";

    private readonly Counter<long> _degraded;

    public FeedMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _degraded = meter.CreateCounter<long>("toutiao.feed.degraded", "{page}", "Feed pages served without a dependency, by the dependency.");
    }

    public void RecordDegraded(string without) => _degraded.Add(1, new KeyValuePair<string, object?>("without", without));
}
