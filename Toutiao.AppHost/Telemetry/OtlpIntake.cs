using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Toutiao.AppHost.Telemetry.Otlp.Collector.Logs;
using Toutiao.AppHost.Telemetry.Otlp.Collector.Metrics;
using Toutiao.AppHost.Telemetry.Otlp.Collector.Trace;

namespace Toutiao.AppHost.Telemetry;

/// <summary>The key every OTLP request must carry in <c>x-otlp-api-key</c>; generated per run and handed to the children.</summary>
public sealed record OtlpApiKey(string Value)
{
    public const string HeaderName = "x-otlp-api-key";

    public bool Matches(string? presented)
        => presented is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(presented), System.Text.Encoding.UTF8.GetBytes(Value));
}

/// <summary>OTLP/gRPC: refuses calls without the key before they reach a service.</summary>
public sealed class OtlpApiKeyInterceptor(OtlpApiKey key) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        => key.Matches(context.RequestHeaders.GetValue(OtlpApiKey.HeaderName))
            ? continuation(request, context)
            : throw new RpcException(new Status(StatusCode.Unauthenticated, $"A valid {OtlpApiKey.HeaderName} header is required."));
}

/// <summary>
/// What both protocols do with an export: store it, and answer with a partial success naming what
/// was refused (spans or records whose ids the specification does not allow) so the sender can tell.
/// </summary>
public static class OtlpExport
{
    public static ExportTraceServiceResponse Receive(this TelemetryStore store, ExportTraceServiceRequest request)
        => store.Add(request.ResourceSpans) is var rejected and > 0
            ? new() { PartialSuccess = new() { RejectedSpans = rejected, ErrorMessage = InvalidIds(rejected, "spans", "a 16-byte trace id and an 8-byte span id, not all zeros") } }
            : new();

    public static ExportLogsServiceResponse Receive(this TelemetryStore store, ExportLogsServiceRequest request)
        => store.Add(request.ResourceLogs) is var rejected and > 0
            ? new() { PartialSuccess = new() { RejectedLogRecords = rejected, ErrorMessage = InvalidIds(rejected, "log records", "a trace id of 16 bytes and a span id of 8 bytes, or none") } }
            : new();

    public static ExportMetricsServiceResponse Receive(this TelemetryStore store, ExportMetricsServiceRequest request)
    {
        store.Add(request.ResourceMetrics);
        return new();
    }

    private static string InvalidIds(int rejected, string what, string rule) => $"{rejected} {what} refused: each needs {rule}.";
}

public sealed class TraceIntake(TelemetryStore store) : TraceService.TraceServiceBase
{
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        => Task.FromResult(store.Receive(request));
}

public sealed class LogsIntake(TelemetryStore store) : LogsService.LogsServiceBase
{
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context)
        => Task.FromResult(store.Receive(request));
}

public sealed class MetricsIntake(TelemetryStore store) : MetricsService.MetricsServiceBase
{
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context)
        => Task.FromResult(store.Receive(request));
}

/// <summary>OTLP/HTTP with protobuf bodies: <c>POST /v1/traces</c>, <c>/v1/logs</c>, <c>/v1/metrics</c>.</summary>
public static class OtlpHttpIntake
{
    private const long MaxBody = 16 * 1024 * 1024;

    public static void MapOtlpHttp(this IEndpointRouteBuilder app, string host)
    {
        app.MapPost("/v1/traces", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportTraceServiceRequest.Parser, store.Receive))
            .RequireHost(host);
        app.MapPost("/v1/logs", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportLogsServiceRequest.Parser, store.Receive))
            .RequireHost(host);
        app.MapPost("/v1/metrics", (HttpContext http, TelemetryStore store, OtlpApiKey key) =>
            ReceiveAsync(http, key, ExportMetricsServiceRequest.Parser, store.Receive))
            .RequireHost(host);
    }

    private static async Task<IResult> ReceiveAsync<TRequest, TResponse>(
        HttpContext http, OtlpApiKey key, MessageParser<TRequest> parser, Func<TRequest, TResponse> receive)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage
    {
        if (!key.Matches(http.Request.Headers[OtlpApiKey.HeaderName]))
        {
            return Results.Text($"A valid {OtlpApiKey.HeaderName} header is required.", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (http.Request.ContentType?.StartsWith("application/x-protobuf", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Results.Text("Only application/x-protobuf bodies are accepted.", statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        if (http.Request.ContentLength > MaxBody)
        {
            return Results.Text("The body is too large.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, http.RequestAborted);
        TRequest request;
        try
        {
            request = parser.ParseFrom(body.ToArray());
        }
        catch (InvalidProtocolBufferException ex)
        {
            return Results.Text($"The body is not a valid OTLP message: {ex.Message}", statusCode: StatusCodes.Status400BadRequest);
        }

        return Results.Bytes(receive(request).ToByteArray(), "application/x-protobuf");
    }
}
