using System.Collections;
using System.Diagnostics;
using OpenTelemetry.Logs;

namespace Toutiao.Tests.Infrastructure;

/// <summary>A thread-safe collection for the in-memory exporters: spans and log records arrive from many threads.</summary>
public sealed class ConcurrentCollection<T> : ICollection<T>
{
    private readonly List<T> _items = [];

    public int Count
    {
        get { lock (_items) { return _items.Count; } }
    }

    public bool IsReadOnly => false;

    public void Add(T item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public List<T> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(T item) => Snapshot().Contains(item);

    public void CopyTo(T[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

    public bool Remove(T item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// One W3C trace a test starts itself, so it can find exactly its spans afterwards: requests sent
/// inside <see cref="Begin"/> carry it (the HttpClient span of this process is the first child).
/// </summary>
public sealed record TestTrace(ActivityTraceId TraceId, ActivitySpanId ParentSpanId)
{
    public static TestTrace New() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom());

    public IDisposable Begin()
        => new Activity("test request").SetParentId(TraceId, ParentSpanId, ActivityTraceFlags.Recorded).Start();

    public List<Activity> SpansIn(ConcurrentCollection<Activity> spans)
        => spans.Snapshot().Where(s => s.TraceId == TraceId).ToList();

    public List<LogRecord> LogsIn(ConcurrentCollection<LogRecord> logs)
        => logs.Snapshot().Where(l => l.TraceId == TraceId).ToList();
}
