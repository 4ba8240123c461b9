using System.Diagnostics.Metrics;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// Completes when the measurements of one instrument, filtered by a tag, add up to a count: an event
/// a test can await instead of sleeping ("the second request has missed the cache"). Given a
/// service's <paramref name="services"/>, only that service's meters count: the cluster tests' Reco
/// and Web run in this process too, at the same time, under the same meter names.
/// </summary>
public sealed class MeasurementSignal : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _total;

    public MeasurementSignal(string meterName, string instrumentName, KeyValuePair<string, string> tag, long count, IServiceProvider? services = null)
    {
        var scope = services?.GetService(typeof(IMeterFactory));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meterName && instrument.Name == instrumentName && (scope is null || ReferenceEquals(instrument.Meter.Scope, scope)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var t in tags)
            {
                if (t.Key == tag.Key && Equals(t.Value, tag.Value) && Interlocked.Add(ref _total, value) >= count)
                {
                    _reached.TrySetResult();
                }
            }
        });
        _listener.Start();
    }

    public Task Reached => _reached.Task;

    public void Dispose() => _listener.Dispose();
}
