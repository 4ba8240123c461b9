using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Toutiao.AppHost.Hosting;
using Toutiao.AppHost.Telemetry;
using Toutiao.AppHost.Telemetry.Otlp.Collector.Logs;
using Toutiao.AppHost.Telemetry.Otlp.Collector.Trace;
using Toutiao.AppHost.Telemetry.Otlp.Common;
using OtlpLogRecord = Toutiao.AppHost.Telemetry.Otlp.Logs.LogRecord;
using Toutiao.AppHost.Telemetry.Otlp.Logs;
using Toutiao.AppHost.Telemetry.Otlp.Trace;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Dashboard;

/// <summary>The dashboard's OTLP intake, fed by the real OpenTelemetry .NET exporter over both protocols.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class OtlpIntakeTests : IAsyncLifetime
{
    private readonly string _state = Directory.CreateTempSubdirectory("toutiao-otlp-").FullName;
    private DistributedApplication _app = null!;

    public async Task InitializeAsync()
    {
        _app = TestAppHost.CreateBuilder(_state, "--Dashboard:MaxTraces=5", "--Dashboard:MaxLogs=5", "--Dashboard:MaxMetricPoints=50").BuildQuiet();
        await _app.StartAsync();
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public void Spans_from_the_real_exporter_are_stored_field_by_field(OtlpExportProtocol protocol)
    {
        using var source = new ActivitySource("Toutiao.Tests.Intake");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        string traceId, parentId, childId;
        using (var tracing = Tracing(protocol, source.Name))
        {
            using (var parent = source.StartActivity("parent work", ActivityKind.Server)!)
            {
                parent.SetTag("http.request.method", "GET");
                parent.SetTag("http.response.status_code", 200);
                using (var child = source.StartActivity("child work", ActivityKind.Client, parent.Context, links: [new ActivityLink(linked)])!)
                {
                    child.SetTag("db.system.name", "redis");
                    child.SetTag("db.operation.name", "MGET");
                    child.SetTag("db.redis.keys", 10);
                    child.AddEvent(new ActivityEvent("cache miss", tags: new ActivityTagsCollection { ["keys"] = 3 }));
                    child.SetStatus(ActivityStatusCode.Error, "boom");
                    childId = child.SpanId.ToHexString();
                }

                traceId = parent.TraceId.ToHexString();
                parentId = parent.SpanId.ToHexString();
            }

            Assert.True(tracing.ForceFlush(10_000));
        }

        var trace = Assert.IsType<TraceData>(_app.Telemetry.Trace(traceId));
        Assert.Equal(2, trace.Spans.Count);
        Assert.Equal($"intake-{protocol}: parent work", trace.Name);
        var parentSpan = Assert.Single(trace.Spans, s => s.SpanId == parentId);
        Assert.Null(parentSpan.ParentSpanId);
        Assert.Equal("Server", parentSpan.Kind);
        Assert.Equal("HTTP GET 200", parentSpan.Summary);
        var childSpan = Assert.Single(trace.Spans, s => s.SpanId == childId);
        Assert.Equal(parentId, childSpan.ParentSpanId);
        Assert.Equal("child work", childSpan.Name);
        Assert.Equal("Client", childSpan.Kind);
        Assert.Equal("Error", childSpan.Status);
        Assert.Equal("boom", childSpan.StatusMessage);
        Assert.Equal("DATA redis MGET", childSpan.Summary);
        Assert.Equal("10", childSpan.Attributes["db.redis.keys"]);
        var cacheMiss = Assert.Single(childSpan.Events);
        Assert.Equal("cache miss", cacheMiss.Name);
        Assert.Equal("3", cacheMiss.Attributes["keys"]);
        var link = Assert.Single(childSpan.Links);
        Assert.Equal(linked.TraceId.ToHexString(), link.TraceId);
        Assert.Equal(linked.SpanId.ToHexString(), link.SpanId);
        Assert.Equal($"intake-{protocol}", childSpan.Resource.ServiceName);
        Assert.Equal("instance-1", childSpan.Resource.InstanceId);
        Assert.Equal("Toutiao.Tests.Intake", childSpan.Scope);
        Assert.True(trace.HasError);
        Assert.True(childSpan.End > childSpan.Start);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public void Logs_and_metrics_from_the_real_exporter_are_stored(OtlpExportProtocol protocol)
    {
        using var activity = new Activity("logged").Start();
        using (var logging = LoggerFactory.Create(builder => builder.AddOpenTelemetry(options =>
               {
                   options.SetResourceBuilder(Resource(protocol));
                   options.IncludeFormattedMessage = true;
                   options.AddOtlpExporter((exporter, processor) =>
                   {
                       Configure(exporter, protocol, "/v1/logs");
                       processor.ExportProcessorType = ExportProcessorType.Simple;
                   });
               })))
        {
            logging.CreateLogger("Toutiao.Tests.Intake").LogWarning("Served {Count} articles to {Reader}", 10, "anony:t1");
        }

        var log = Assert.Single(_app.Telemetry.Logs(), l => l.Resource.ServiceName == $"intake-{protocol}");
        Assert.Equal("Warning", log.Level);
        Assert.Equal("Served 10 articles to anony:t1", log.Message);
        Assert.Equal("Toutiao.Tests.Intake", log.Category);
        Assert.Equal("10", log.Attributes["Count"]);
        Assert.Equal(activity.TraceId.ToHexString(), log.TraceId);
        Assert.Equal(activity.SpanId.ToHexString(), log.SpanId);

        using var meter = new Meter($"Toutiao.Tests.Intake.{protocol}");
        var counter = meter.CreateCounter<long>("toutiao.test.requests", "{request}", "Requests in the intake test.");
        using (var metrics = Sdk.CreateMeterProviderBuilder()
                   .SetResourceBuilder(Resource(protocol))
                   .AddMeter(meter.Name)
                   .AddOtlpExporter((exporter, reader) =>
                   {
                       Configure(exporter, protocol, "/v1/metrics");
                       reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000;
                   })
                   .Build())
        {
            counter.Add(3, new KeyValuePair<string, object?>("outcome", "ok"));
            counter.Add(4, new KeyValuePair<string, object?>("outcome", "ok"));
            Assert.True(metrics.ForceFlush(10_000));
        }

        var series = Assert.Single(_app.Telemetry.Metrics(), m => m.Service == $"intake-{protocol}" && m.Name == "toutiao.test.requests");
        Assert.Equal("sum", series.Kind);
        Assert.Equal("{request}", series.Unit);
        Assert.Equal("Requests in the intake test.", series.Description);
        // Cumulative: every export (the flush, then the provider's last one) says 7 so far.
        Assert.NotEmpty(series.Points);
        Assert.All(series.Points, point =>
        {
            Assert.Equal(7, point.Value);
            Assert.Equal("ok", point.Attributes["outcome"]);
        });
    }

    [Fact]
    public async Task A_wrong_key_and_garbage_are_refused_without_hurting_the_intake()
    {
        var http = _app.TelemetrySettings.OtlpHttpEndpoint;
        using var client = new HttpClient();

        foreach (var key in new string?[] { null, "wrong-key" })
        {
            using var request = Protobuf(new Uri(http, "/v1/traces"), new ExportTraceServiceRequest().ToByteArrayPublic());
            if (key is not null)
            {
                request.Headers.Add(OtlpApiKey.HeaderName, key);
            }

            Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(request)).StatusCode);
        }

        using (var garbage = Protobuf(new Uri(http, "/v1/traces"), [0xff, 0xff, 0xff, 0x0f, 0x01]))
        {
            garbage.Headers.Add(OtlpApiKey.HeaderName, _app.TelemetrySettings.ApiKey);
            var response = await client.SendAsync(garbage);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var channel = GrpcChannel.ForAddress(_app.TelemetrySettings.OtlpGrpcEndpoint);
        var grpc = new TraceService.TraceServiceClient(channel);
        var refused = await Assert.ThrowsAsync<RpcException>(() => grpc.ExportAsync(new ExportTraceServiceRequest()).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, refused.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => grpc.ExportAsync(new ExportTraceServiceRequest(),
            new Metadata { { OtlpApiKey.HeaderName, "wrong-key" } }).ResponseAsync);
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, wrong.StatusCode);

        // Garbage on the gRPC port: a failed call, and the next good one still goes through.
        using (var raw = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_app.TelemetrySettings.OtlpGrpcEndpoint, "/opentelemetry.proto.collector.trace.v1.TraceService/Export"))
            {
                Content = new ByteArrayContent([0, 0, 0, 0, 5, 0xff, 0xff, 0xff, 0x0f, 0x01]),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.Add(OtlpApiKey.HeaderName, _app.TelemetrySettings.ApiKey);
            using var response = await raw.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
                : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
            Assert.True(response.StatusCode != HttpStatusCode.OK || status is not (null or "0"),
                $"garbage was accepted: HTTP {(int)response.StatusCode}, grpc-status {status}");
        }

        var ok = await grpc.ExportAsync(new ExportTraceServiceRequest(), new Metadata { { OtlpApiKey.HeaderName, _app.TelemetrySettings.ApiKey } });
        Assert.NotNull(ok);
    }

    [Fact]
    public async Task Spans_and_log_records_with_invalid_ids_are_refused_as_a_partial_success()
    {
        var good = ActivityTraceId.CreateRandom().ToHexString();
        var request = new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Spans =
                            {
                                new Span { TraceId = Id(good), SpanId = Id("00f067aa0ba902b7"), Name = "kept", ParentSpanId = ByteString.CopyFrom(new byte[8]) },
                                new Span { TraceId = ByteString.CopyFrom(new byte[16]), SpanId = Id("00f067aa0ba902b8"), Name = "zero trace id" },
                                new Span { TraceId = Id(good), SpanId = ByteString.CopyFrom(1, 2, 3), Name = "short span id" },
                            },
                        },
                    },
                },
            },
        };

        // Over gRPC: the good span is stored, the other two are counted and explained.
        var grpc = new TraceService.TraceServiceClient(GrpcChannel.ForAddress(_app.TelemetrySettings.OtlpGrpcEndpoint));
        var response = await grpc.ExportAsync(request, new Metadata { { OtlpApiKey.HeaderName, _app.TelemetrySettings.ApiKey } });
        Assert.Equal(2, response.PartialSuccess.RejectedSpans);
        Assert.Contains("16-byte trace id", response.PartialSuccess.ErrorMessage);
        // An all-zero parent id, as some SDKs send it, means a root.
        var kept = Assert.Single(_app.Telemetry.Trace(good)!.Spans);
        Assert.Equal(("kept", null), (kept.Name, kept.ParentSpanId));

        // Over HTTP the same, for log records too; a record without ids (or with all zeros) is fine.
        var logs = new ExportLogsServiceRequest
        {
            ResourceLogs =
            {
                new ResourceLogs
                {
                    ScopeLogs =
                    {
                        new ScopeLogs
                        {
                            LogRecords =
                            {
                                new OtlpLogRecord { Body = new AnyValue { StringValue = "no ids" }, SeverityNumber = 9 },
                                new OtlpLogRecord { Body = new AnyValue { StringValue = "short trace id" }, TraceId = ByteString.CopyFrom(1, 2), SeverityNumber = 9 },
                                new OtlpLogRecord { Body = new AnyValue { StringValue = "zero ids" }, TraceId = ByteString.CopyFrom(new byte[16]), SpanId = ByteString.CopyFrom(new byte[8]) },
                            },
                        },
                    },
                },
            },
        };
        using var client = new HttpClient();
        using var post = Protobuf(new Uri(_app.TelemetrySettings.OtlpHttpEndpoint, "/v1/logs"), logs.ToByteArrayPublic());
        post.Headers.Add(OtlpApiKey.HeaderName, _app.TelemetrySettings.ApiKey);
        var reply = await client.SendAsync(post);
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var partial = ExportLogsServiceResponse.Parser.ParseFrom(await reply.Content.ReadAsByteArrayAsync()).PartialSuccess;
        Assert.Equal(1, partial.RejectedLogRecords);
        Assert.Contains(_app.Telemetry.Logs(), l => l.Message == "no ids");
        Assert.Contains(_app.Telemetry.Logs(), l => l.Message == "zero ids" && l.TraceId is null && l.SpanId is null);
        Assert.DoesNotContain(_app.Telemetry.Logs(), l => l.Message == "short trace id");

        static ByteString Id(string hex) => ByteString.CopyFrom(Convert.FromHexString(hex));
    }

    [Fact]
    public void The_oldest_traces_go_first_and_late_spans_are_stitched_into_their_trace()
    {
        using var source = new ActivitySource("Toutiao.Tests.Eviction");
        var traceIds = new List<string>();
        using var tracing = Tracing(OtlpExportProtocol.Grpc, source.Name);

        // A child exported before its parent still lands in one trace.
        var parentContext = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        using (source.StartActivity("late child", ActivityKind.Internal, parentContext))
        {
        }

        Assert.True(tracing.ForceFlush(10_000));
        Assert.Single(_app.Telemetry.Trace(parentContext.TraceId.ToHexString())!.Spans);

        for (var i = 0; i < 7; i++)
        {
            using var activity = source.StartActivity($"trace {i}", ActivityKind.Internal, new ActivityContext(
                i == 0 ? parentContext.TraceId : ActivityTraceId.CreateRandom(), default, ActivityTraceFlags.Recorded))!;
            traceIds.Add(activity.TraceId.ToHexString());
            Assert.True(tracing.ForceFlush(10_000));
        }

        // trace 0 joined the first trace (same id); 5 kept of the 7 distinct ones, oldest gone.
        var kept = _app.Telemetry.Traces().Select(t => t.TraceId).ToList();
        Assert.Equal(5, kept.Count);
        Assert.Equal(traceIds.Skip(2), kept);
        Assert.Null(_app.Telemetry.Trace(parentContext.TraceId.ToHexString()));
    }

    private TracerProvider Tracing(OtlpExportProtocol protocol, string sourceName) => Sdk.CreateTracerProviderBuilder()
        .SetResourceBuilder(Resource(protocol))
        .AddSource(sourceName)
        .AddOtlpExporter(exporter =>
        {
            Configure(exporter, protocol, "/v1/traces");
            exporter.ExportProcessorType = ExportProcessorType.Simple;
        })
        .Build()!;

    private static ResourceBuilder Resource(OtlpExportProtocol protocol)
        => ResourceBuilder.CreateEmpty().AddService($"intake-{protocol}", serviceInstanceId: "instance-1");

    private void Configure(OtlpExporterOptions exporter, OtlpExportProtocol protocol, string path)
    {
        exporter.Protocol = protocol;
        exporter.Endpoint = protocol == OtlpExportProtocol.Grpc
            ? _app.TelemetrySettings.OtlpGrpcEndpoint
            : new Uri(_app.TelemetrySettings.OtlpHttpEndpoint, path);
        exporter.Headers = $"{OtlpApiKey.HeaderName}={_app.TelemetrySettings.ApiKey}";
    }

    private static HttpRequestMessage Protobuf(Uri uri, byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return request;
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        TestAppHost.DeleteDirectory(_state);
    }
}

internal static class MessageExtensions
{
    public static byte[] ToByteArrayPublic(this Google.Protobuf.IMessage message) => Google.Protobuf.MessageExtensions.ToByteArray(message);
}
