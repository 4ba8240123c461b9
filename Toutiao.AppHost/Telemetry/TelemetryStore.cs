using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Configuration;
using Toutiao.AppHost.Telemetry.Otlp.Common;
using Toutiao.AppHost.Telemetry.Otlp.Logs;
using Toutiao.AppHost.Telemetry.Otlp.Metrics;
using Toutiao.AppHost.Telemetry.Otlp.Trace;
using OtlpResource = Toutiao.AppHost.Telemetry.Otlp.Resource.Resource;

namespace Toutiao.AppHost.Telemetry;

/// <summary>
/// The dashboard's memory of traces, logs and metric points, each bounded (oldest first out).
/// Spans are stitched into their trace whatever order and batch they arrive in.
/// </summary>
public sealed class TelemetryStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, TraceData> _traces = [];
    private readonly LinkedList<string> _traceOrder = new();
    private readonly LinkedList<LogData> _logs = new();
    private readonly Dictionary<(string Service, string Name), MetricSeries> _metrics = [];
    private readonly LinkedList<MetricSeries> _pointOrder = new();
    private long _nextLogId;

    public TelemetryStore(IConfiguration configuration)
    {
        MaxTraces = configuration.GetValue("Dashboard:MaxTraces", 10_000);
        MaxLogs = configuration.GetValue("Dashboard:MaxLogs", 10_000);
        MaxMetricPoints = configuration.GetValue("Dashboard:MaxMetricPoints", 10_000);
    }

    public int MaxTraces { get; }

    public int MaxLogs { get; }

    public int MaxMetricPoints { get; }

    public event Action? Changed;

    /// <summary>Stores the spans; returns how many were refused for ids the OTLP specification does not allow.</summary>
    public int Add(RepeatedField<ResourceSpans> batch)
    {
        var rejected = 0;
        lock (_gate)
        {
            foreach (var resourceSpans in batch)
            {
                var resource = Resource(resourceSpans.Resource);
                foreach (var scope in resourceSpans.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        // A span without a valid trace and span id could never be found or stitched.
                        if (!IsId(span.TraceId, 16) || !IsId(span.SpanId, 8) || !IsOptionalId(span.ParentSpanId, 8))
                        {
                            rejected++;
                            continue;
                        }

                        AddSpan(Convert(span, scope.Scope?.Name ?? "", resource));
                    }
                }
            }
        }

        Changed?.Invoke();
        return rejected;
    }

    /// <summary>Stores the log records; returns how many were refused for malformed trace or span ids.</summary>
    public int Add(RepeatedField<ResourceLogs> batch)
    {
        var rejected = 0;
        lock (_gate)
        {
            foreach (var resourceLogs in batch)
            {
                var resource = Resource(resourceLogs.Resource);
                foreach (var scope in resourceLogs.ScopeLogs)
                {
                    foreach (var record in scope.LogRecords)
                    {
                        // Ids are optional on a log record, but a wrong-length one would link to no trace.
                        if (!IsOptionalId(record.TraceId, 16) || !IsOptionalId(record.SpanId, 8))
                        {
                            rejected++;
                            continue;
                        }

                        _logs.AddLast(Convert(record, scope.Scope?.Name ?? "", resource));
                        while (_logs.Count > MaxLogs)
                        {
                            _logs.RemoveFirst();
                        }
                    }
                }
            }
        }

        Changed?.Invoke();
        return rejected;
    }

    public void Add(RepeatedField<ResourceMetrics> batch)
    {
        lock (_gate)
        {
            foreach (var resourceMetrics in batch)
            {
                var resource = Resource(resourceMetrics.Resource);
                foreach (var metric in resourceMetrics.ScopeMetrics.SelectMany(s => s.Metrics))
                {
                    AddMetric(resource.ServiceName, metric);
                }
            }
        }

        Changed?.Invoke();
    }

    public IReadOnlyList<TraceData> Traces()
    {
        lock (_gate)
        {
            return _traceOrder.Select(id => Copy(_traces[id])).ToList();
        }
    }

    public TraceData? Trace(string traceId)
    {
        lock (_gate)
        {
            return _traces.TryGetValue(traceId.ToLowerInvariant(), out var trace) ? Copy(trace) : null;
        }
    }

    public IReadOnlyList<LogData> Logs()
    {
        lock (_gate)
        {
            return _logs.ToList();
        }
    }

    public IReadOnlyList<MetricSeries> Metrics()
    {
        lock (_gate)
        {
            return _metrics.Values.Select(Copy).ToList();
        }
    }

    public int MetricPointCount
    {
        get
        {
            lock (_gate)
            {
                return _metrics.Values.Sum(m => m.Points.Count);
            }
        }
    }

    private void AddSpan(SpanData span)
    {
        if (!_traces.TryGetValue(span.TraceId, out var trace))
        {
            trace = new TraceData(span.TraceId);
            _traces[span.TraceId] = trace;
            _traceOrder.AddLast(span.TraceId);
            while (_traceOrder.Count > MaxTraces)
            {
                _traces.Remove(_traceOrder.First!.Value);
                _traceOrder.RemoveFirst();
            }
        }

        // A span sent twice (an exporter retry) is kept once.
        trace.Spans.RemoveAll(s => s.SpanId == span.SpanId);
        trace.Spans.Add(span);
    }

    private void AddMetric(string service, Metric metric)
    {
        var (kind, points) = metric.DataCase switch
        {
            Metric.DataOneofCase.Gauge => ("gauge", metric.Gauge.DataPoints.Select(p => Point(p.TimeUnixNano, Number(p), p.Attributes))),
            Metric.DataOneofCase.Sum => ("sum", metric.Sum.DataPoints.Select(p => Point(p.TimeUnixNano, Number(p), p.Attributes))),
            Metric.DataOneofCase.Histogram => ("histogram", metric.Histogram.DataPoints.Select(p => Point(p.TimeUnixNano, p.Count, p.Attributes))),
            Metric.DataOneofCase.ExponentialHistogram => ("histogram", metric.ExponentialHistogram.DataPoints.Select(p => Point(p.TimeUnixNano, p.Count, p.Attributes))),
            Metric.DataOneofCase.Summary => ("summary", metric.Summary.DataPoints.Select(p => Point(p.TimeUnixNano, p.Count, p.Attributes))),
            _ => ("unknown", Enumerable.Empty<MetricPoint>()),
        };

        if (!_metrics.TryGetValue((service, metric.Name), out var series))
        {
            series = new MetricSeries(service, metric.Name, metric.Description, metric.Unit, kind);
            _metrics[(service, metric.Name)] = series;
        }

        foreach (var point in points)
        {
            series.Points.Add(point);
            _pointOrder.AddLast(series);
        }

        while (_pointOrder.Count > MaxMetricPoints)
        {
            var oldest = _pointOrder.First!.Value;
            _pointOrder.RemoveFirst();
            oldest.Points.RemoveAt(0);
            if (oldest.Points.Count == 0)
            {
                _metrics.Remove((oldest.Service, oldest.Name));
            }
        }
    }

    private LogData Convert(LogRecord record, string category, TelemetryResource resource)
    {
        var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
        return new LogData(
            ++_nextLogId,
            Time(time),
            Level(record.SeverityNumber, record.SeverityText),
            record.SeverityNumber,
            record.Body is null ? "" : Text(record.Body),
            category,
            IsId(record.TraceId, 16) ? Hex(record.TraceId) : null,
            IsId(record.SpanId, 8) ? Hex(record.SpanId) : null,
            Attributes(record.Attributes),
            resource);
    }

    private static SpanData Convert(Span span, string scope, TelemetryResource resource) => new(
        Hex(span.TraceId),
        Hex(span.SpanId),
        IsId(span.ParentSpanId, 8) ? Hex(span.ParentSpanId) : null,
        span.Name,
        span.Kind switch
        {
            Span.Types.SpanKind.Server => "Server",
            Span.Types.SpanKind.Client => "Client",
            Span.Types.SpanKind.Producer => "Producer",
            Span.Types.SpanKind.Consumer => "Consumer",
            _ => "Internal",
        },
        Time(span.StartTimeUnixNano),
        Time(span.EndTimeUnixNano),
        span.Status?.Code switch
        {
            Status.Types.StatusCode.Error => "Error",
            Status.Types.StatusCode.Ok => "Ok",
            _ => "Unset",
        },
        string.IsNullOrEmpty(span.Status?.Message) ? null : span.Status.Message,
        scope,
        Attributes(span.Attributes),
        span.Events.Select(e => new SpanEvent(Time(e.TimeUnixNano), e.Name, Attributes(e.Attributes))).ToList(),
        span.Links.Select(l => new SpanLink(Hex(l.TraceId), Hex(l.SpanId), Attributes(l.Attributes))).ToList(),
        resource);

    private static TelemetryResource Resource(OtlpResource? resource)
    {
        var attributes = Attributes(resource?.Attributes ?? []);
        return new TelemetryResource(
            attributes.GetValueOrDefault("service.name") ?? "unknown",
            attributes.GetValueOrDefault("service.instance.id"),
            attributes);
    }

    private static MetricPoint Point(ulong timeUnixNano, double value, RepeatedField<KeyValue> attributes)
        => new(Time(timeUnixNano), value, Attributes(attributes));

    private static double Number(NumberDataPoint point)
        => point.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? point.AsInt : point.AsDouble;

    private static string Level(int severity, string text) => severity switch
    {
        >= 21 => "Critical",
        >= 17 => "Error",
        >= 13 => "Warning",
        >= 9 => "Information",
        >= 5 => "Debug",
        >= 1 => "Trace",
        _ => string.IsNullOrEmpty(text) ? "Information" : text,
    };

    private static IReadOnlyDictionary<string, string> Attributes(RepeatedField<KeyValue> attributes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            result[attribute.Key] = attribute.Value is null ? "" : Text(attribute.Value);
        }

        return result;
    }

    private static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => "[" + string.Join(", ", value.ArrayValue.Values.Select(Text)) + "]",
        AnyValue.ValueOneofCase.KvlistValue => "{" + string.Join(", ", value.KvlistValue.Values.Select(kv => kv.Key + ": " + (kv.Value is null ? "" : Text(kv.Value)))) + "}",
        AnyValue.ValueOneofCase.BytesValue => System.Convert.ToBase64String(value.BytesValue.ToByteArray()),
        _ => "",
    };

    private static DateTimeOffset Time(ulong unixNano)
        => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNano / 100));

    private static bool IsId(ByteString bytes, int length) => bytes.Length == length && bytes.Span.ContainsAnyExcept((byte)0);

    /// <summary>Absent: empty, or all zeros as some SDKs send it; present: of the right length.</summary>
    private static bool IsOptionalId(ByteString bytes, int length) => bytes.IsEmpty || bytes.Length == length;

    private static string Hex(ByteString bytes) => System.Convert.ToHexString(bytes.Span).ToLowerInvariant();

    private static TraceData Copy(TraceData trace)
    {
        var copy = new TraceData(trace.TraceId);
        copy.Spans.AddRange(trace.Spans);
        return copy;
    }

    private static MetricSeries Copy(MetricSeries series)
    {
        var copy = new MetricSeries(series.Service, series.Name, series.Description, series.Unit, series.Kind);
        copy.Points.AddRange(series.Points);
        return copy;
    }
}
