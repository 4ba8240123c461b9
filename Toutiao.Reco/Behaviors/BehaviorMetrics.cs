using System.Diagnostics.Metrics;

namespace Toutiao.Reco.Behaviors;

/// <summary>
/// The behaviour consumer's metrics: <c>toutiao.behaviors</c> counts entries by outcome (received,
/// applied, duplicate, malformed, reclaimed), <c>toutiao.behaviors.lag</c> the seconds from report
/// to applied, and <c>toutiao.behaviors.pending</c> the entries not yet delivered to the group.
/// </summary>
public sealed class BehaviorMetrics
{
    private readonly Counter<long> _entries;
    private readonly Histogram<double> _lag;
    private readonly TimeProvider _clock;
    private long _pending;

    public BehaviorMetrics(IMeterFactory meterFactory, TimeProvider clock)
    {
        _clock = clock;
        var meter = meterFactory.Create(RecoTelemetry.SourceName);
        _entries = meter.CreateCounter<long>("toutiao.behaviors", "{entry}", "Behaviour-stream entries by outcome.");
        _lag = meter.CreateHistogram<double>("toutiao.behaviors.lag", "s", "From the report to its effects.");
        meter.CreateObservableGauge("toutiao.behaviors.pending", () => Volatile.Read(ref _pending), "{entry}",
            "Entries in the stream not yet delivered to the consumer group.");
    }

    public void Received(int count) => Add(count, "received");

    public void Reclaimed(int count) => Add(count, "reclaimed");

    public void Malformed() => Add(1, "malformed");

    public void Duplicates(int count) => Add(count, "duplicate");

    public void Applied(string action, long reportedAtMs)
    {
        _entries.Add(1, new("outcome", "applied"), new("action", action));
        _lag.Record(Math.Max(0, _clock.GetUtcNow().ToUnixTimeMilliseconds() - reportedAtMs) / 1000d);
    }

    public void Pending(long entries) => Volatile.Write(ref _pending, entries);

    private void Add(int count, string outcome)
    {
        if (count > 0)
        {
            _entries.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
