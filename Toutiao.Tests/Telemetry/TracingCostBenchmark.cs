using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Toutiao.AppHost.Hosting;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Toutiao.Tests.Telemetry;

/// <summary>
/// What tracing costs: two copies of Web and Reco, as real processes started by the AppHost's
/// hosting model against one Redis and one MariaDB, identical but for
/// <c>OTEL_TRACES_SAMPLER=always_off</c> on one pair; both export over OTLP/HTTP to a sink in this
/// test. Load alternates between the pairs in rounds so drift hits both alike. The table goes to
/// the test output and <c>TestResults/tracing-cost.md</c>; <c>TOUTIAO_BENCH_SECONDS</c> makes the
/// rounds longer (the README's numbers come from a longer run).
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class TracingCostBenchmark(ITestOutputHelper output) : IDisposable
{
    private const int Rounds = 3;
    private const int Workers = 8;
    private readonly string _state = Directory.CreateTempSubdirectory("toutiao-bench-").FullName;

    [Fact]
    public async Task Feed_throughput_with_tracing_on_and_off_side_by_side()
    {
        var roundLength = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("TOUTIAO_BENCH_SECONDS") ?? "3", CultureInfo.InvariantCulture));
        await using var sink = await OtlpSink.StartAsync();

        var builder = TestAppHost.CreateBuilder(_state);
        var redis = builder.AddRedis("redis");
        var mysql = builder.AddMySql("mysql").AddDatabase("toutiao").WithInitializer("../Toutiao.Web", "initialize-database");
        var traced = AddPair(builder, "traced", redis, mysql, sink.Endpoint, sampler: null);
        var untraced = AddPair(builder, "untraced", redis, mysql, sink.Endpoint, sampler: "always_off");
        await using var app = builder.BuildQuiet();
        await app.StartAsync();
        foreach (var name in new[] { "web-traced", "web-untraced" })
        {
            await app.WaitForResourceHealthyAsync(name).WaitAsync(TimeSpan.FromMinutes(3));
        }

        using var client = new HttpClient();
        var results = new Dictionary<string, Load> { ["on"] = new(), ["off"] = new() };
        // Warm-up: JIT tiers, connection pools and caches settle before anything is counted.
        await RunAsync(client, traced, TimeSpan.FromSeconds(3), new Load());
        await RunAsync(client, untraced, TimeSpan.FromSeconds(3), new Load());
        var spansBefore = sink.Count("/v1/traces");
        for (var round = 0; round < Rounds; round++)
        {
            await RunAsync(client, traced, roundLength, results["on"]);
            await RunAsync(client, untraced, roundLength, results["off"]);
        }

        var report = Report(results, roundLength);
        output.WriteLine(report);
        Directory.CreateDirectory("TestResults");
        await File.WriteAllTextAsync(Path.Combine("TestResults", "tracing-cost.md"), report);

        // Both pairs served every request, and only the traced pair exported spans.
        Assert.All(results.Values, load => Assert.Equal(0, load.Failures));
        Assert.All(results.Values, load => Assert.True(load.Latencies.Count > 0));
        await WaitUntilAsync(() => sink.ServiceNames("/v1/traces").Contains("web-traced"));
        Assert.True(sink.Count("/v1/traces") > spansBefore);
        Assert.DoesNotContain("web-untraced", sink.ServiceNames("/v1/traces"));
        Assert.DoesNotContain("reco-untraced", sink.ServiceNames("/v1/traces"));
    }

    private static Uri AddPair(DistributedApplicationBuilder builder, string suffix, IResourceBuilder<Resource> redis,
        IResourceBuilder<Resource> mysql, Uri otlp, string? sampler)
    {
        var reco = builder.AddProject($"reco-{suffix}", "../Toutiao.Reco").WithHttpEndpoint(port: Ports.Free(), http2: true)
            .WithReference(redis).WithReference(mysql).WaitFor(redis).WaitFor(mysql);
        var webPort = Ports.Free();
        var web = builder.AddProject($"web-{suffix}", "../Toutiao.Web").WithHttpEndpoint(port: webPort)
            .WithReference(reco).WithReference(redis).WithReference(mysql).WaitFor(reco)
            .WithEnvironment("Reco__Address", $"http://reco-{suffix}");
        foreach (var project in new IResourceBuilder<ProjectResource>[] { reco, web })
        {
            project.WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("Logging__LogLevel__Default", "Warning");
            if (sampler is not null)
            {
                project.WithEnvironment("OTEL_TRACES_SAMPLER", sampler);
            }
        }

        return new Uri($"http://localhost:{webPort}");
    }

    /// <summary>Anonymous feed pages (recall in Reco, a hot cache page in Web) from several workers for a while.</summary>
    private static async Task RunAsync(HttpClient client, Uri web, TimeSpan duration, Load load)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        load.Elapsed += duration;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(async worker =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(new Uri(web, $"/v1_1/articles?channel_id={worker % 3}&timestamp={Api.Now()}"));
                var elapsed = Stopwatch.GetElapsedTime(started);
                load.Record(response.StatusCode == HttpStatusCode.OK, elapsed);
            }
        }));
    }

    private static string Report(Dictionary<string, Load> results, TimeSpan roundLength)
    {
        var on = results["on"];
        var off = results["off"];
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Feed throughput, {Workers} concurrent clients, {Rounds} alternating rounds of {roundLength.TotalSeconds:F0} s per mode, {Environment.ProcessorCount} cores:");
        text.AppendLine();
        text.AppendLine("| tracing | requests | requests/s | p50 ms | p99 ms |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: |");
        foreach (var (name, load) in new[] { ("on (exported over OTLP/HTTP)", on), ("off (sampler always_off)", off) })
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} | {load.Latencies.Count} | {load.Throughput:F0} | {load.Percentile(0.50):F1} | {load.Percentile(0.99):F1} |");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Tracing costs {(1 - on.Throughput / off.Throughput) * 100:F1} % of throughput.");
        return text.ToString();
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    public void Dispose() => TestAppHost.DeleteDirectory(_state);

    private sealed class Load
    {
        public List<double> Latencies { get; } = [];

        public int Failures { get; private set; }

        public TimeSpan Elapsed { get; set; }

        public double Throughput => Latencies.Count / Elapsed.TotalSeconds;

        public void Record(bool ok, TimeSpan latency)
        {
            lock (Latencies)
            {
                Latencies.Add(latency.TotalMilliseconds);
                if (!ok)
                {
                    Failures++;
                }
            }
        }

        public double Percentile(double p)
        {
            var sorted = Latencies.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
        }
    }

    /// <summary>A minimal OTLP/HTTP receiver: counts export requests per signal and notes which services sent them.</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly Dictionary<string, int> _counts = [];
        private readonly Dictionary<string, HashSet<string>> _services = [];

        private OtlpSink(WebApplication app, Uri endpoint)
        {
            _app = app;
            Endpoint = endpoint;
        }

        public Uri Endpoint { get; }

        public static async Task<OtlpSink> StartAsync()
        {
            var port = Ports.Free();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var sink = new OtlpSink(app, new Uri($"http://127.0.0.1:{port}"));
            app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                sink.Received($"/v1/{signal}", Encoding.UTF8.GetString(body.ToArray()));
                return Results.Bytes([], "application/x-protobuf");
            });
            await app.StartAsync();
            return sink;
        }

        public int Count(string path)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(path);
            }
        }

        /// <summary>Service names seen in the payloads (service.name is a plain UTF-8 string inside the protobuf).</summary>
        public IReadOnlySet<string> ServiceNames(string path)
        {
            lock (_counts)
            {
                return _services.TryGetValue(path, out var names) ? names.ToHashSet() : [];
            }
        }

        private void Received(string path, string payload)
        {
            lock (_counts)
            {
                _counts[path] = _counts.GetValueOrDefault(path) + 1;
                var names = _services.TryGetValue(path, out var set) ? set : _services[path] = [];
                foreach (var candidate in new[] { "web-traced", "reco-traced", "web-untraced", "reco-untraced" })
                {
                    if (payload.Contains(candidate, StringComparison.Ordinal))
                    {
                        names.Add(candidate);
                    }
                }
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
