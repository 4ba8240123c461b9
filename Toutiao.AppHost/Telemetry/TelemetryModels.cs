namespace Toutiao.AppHost.Telemetry;

/// <summary>Who sent telemetry: the OTLP resource, reduced to what the dashboard shows.</summary>
public sealed record TelemetryResource(string ServiceName, string? InstanceId, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpanEvent(DateTimeOffset Time, string Name, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpanLink(string TraceId, string SpanId, IReadOnlyDictionary<string, string> Attributes);

public sealed record SpanData(
    string TraceId,
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Status,
    string? StatusMessage,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEvent> Events,
    IReadOnlyList<SpanLink> Links,
    TelemetryResource Resource)
{
    public double DurationMs => (End - Start).TotalMilliseconds;

    /// <summary>What kind of work the span is, in a few words: <c>HTTP GET 200</c>, <c>RPC UserRecommend/user_recommend OK</c>, <c>DATA redis MGET</c>, <c>DATA mysql</c>.</summary>
    public string Summary
    {
        get
        {
            if (Attributes.TryGetValue("rpc.system", out var rpc))
            {
                var code = Attributes.GetValueOrDefault("rpc.grpc.status_code");
                var status = code is null ? "" : code == "0" ? " OK" : $" {(Grpc.Core.StatusCode)int.Parse(code, System.Globalization.CultureInfo.InvariantCulture)}";
                return rpc == "grpc" ? $"RPC {Name}{status}" : $"RPC {rpc} {Name}{status}";
            }

            if (Attributes.TryGetValue("db.system.name", out var db) || Attributes.TryGetValue("db.system", out db))
            {
                var operation = Attributes.GetValueOrDefault("db.operation.name");
                return operation is null ? $"DATA {db}" : $"DATA {db} {operation}";
            }

            if (Attributes.TryGetValue("http.request.method", out var method))
            {
                var status = Attributes.GetValueOrDefault("http.response.status_code");
                return $"HTTP {method}{(status is null ? "" : " " + status)}";
            }

            return Kind;
        }
    }
}

/// <summary>One trace as it stands: spans of every service that reported into it so far.</summary>
public sealed class TraceData(string traceId)
{
    public string TraceId { get; } = traceId;

    public List<SpanData> Spans { get; } = [];

    /// <summary>The span without a parent; while that has not arrived, the earliest span whose parent is not here.</summary>
    public SpanData Root => Spans.Where(s => s.ParentSpanId is null).MinBy(s => s.Start)
                            ?? Spans.Where(s => Spans.All(p => p.SpanId != s.ParentSpanId)).MinBy(s => s.Start)
                            ?? Spans.MinBy(s => s.Start)!;

    public string Name => $"{Root.Resource.ServiceName}: {Root.Name}";

    public DateTimeOffset Start => Spans.Min(s => s.Start);

    public double DurationMs => (Spans.Max(s => s.End) - Start).TotalMilliseconds;

    public IReadOnlyList<string> Services => Spans.Select(s => s.Resource.ServiceName).Distinct().Order().ToList();

    public bool HasError => Spans.Any(s => s.Status == "Error");
}

public sealed record LogData(
    long Id,
    DateTimeOffset Time,
    string Level,
    int SeverityNumber,
    string Message,
    string Category,
    string? TraceId,
    string? SpanId,
    IReadOnlyDictionary<string, string> Attributes,
    TelemetryResource Resource);

public sealed record MetricPoint(DateTimeOffset Time, double Value, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One instrument of one service, with its points over time.</summary>
public sealed class MetricSeries(string service, string name, string description, string unit, string kind)
{
    public string Service { get; } = service;

    public string Name { get; } = name;

    public string Description { get; } = description;

    public string Unit { get; } = unit;

    /// <summary>gauge, sum or histogram (histograms chart their count).</summary>
    public string Kind { get; } = kind;

    public List<MetricPoint> Points { get; } = [];
}
