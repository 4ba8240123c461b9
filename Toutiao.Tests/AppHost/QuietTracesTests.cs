using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.AppHost;

/// <summary>
/// The dashboard's trace list is worth reading: an idle app adds nothing to it (no root trace per
/// idle stream poll, claim or timer query), and a request adds exactly its own trace.
/// </summary>
[Collection(ToutiaoAppCollection.Name)]
public sealed class QuietTracesTests(ToutiaoAppFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// Long enough for every frequent background loop to run several times: the behaviour
    /// consumer's idle read (every 5 s) and reclaim (15 s), Web's replica probe and search refresh.
    /// </summary>
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_idle_app_adds_no_trace_and_one_feed_request_adds_exactly_its_own()
    {
        // Start-up over: every replica warmed and ready (the fixture waited for one Web only), so a
        // warm-up retried after a start-up timeout is not taken for idle work.
        foreach (var service in new[] { "reco", "web" })
        {
            await AllReplicasHealthyAsync(service, replicas: 2);
        }

        // Healthy does not say that each Web replica has warmed up: their health check asks DCP's
        // proxy, which answers from either replica. Each Web process logs its warm-up once (done or
        // given up): as many of those as Web processes started.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            static int Web(IReadOnlyList<string> lines, params string[] texts)
                => lines.Count(l => l.Contains("Toutiao.AppHost.Resources.web:", StringComparison.Ordinal) && texts.Any(t => l.Contains(t, StringComparison.Ordinal)));
            await fixture.AppHostLog.WaitUntilAsync(lines => Web(lines, "Feed warmed up", "Feed not warmed up") >= Web(lines, "Now listening on"), timeout.Token);
        }

        // And the app answers pages: on a loaded machine Reco's first pages after a start can outlast
        // the budget (a 503 that CI once saw as this test's one request, 2026-12-07).
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while ((await fixture.FreshPageAsync(channel: 1)).Response.StatusCode != HttpStatusCode.OK)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
            }
        }

        var idleFrom = DateTimeOffset.UtcNow;
        // The idle time is what is tested: nothing happens that could be awaited instead.
        await Task.Delay(Idle);

        var idle = await TracesStartedSinceAsync(idleFrom);
        Assert.True(idle.Count == 0, $"Traces of an idle app: {Describe(idle)}");

        var trace = TestTrace.New();
        var (response, body) = await fixture.FreshPageAsync(channel: 1, trace);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        // Whole: the Redis spans of both services arrive last.
        var spans = await fixture.CompleteFeedTraceAsync(trace, expectMySql: false);
        Assert.Contains(spans, s => s.Of("reco") && s.Kind == 2);

        var after = await TracesStartedSinceAsync(idleFrom);
        output.WriteLine($"Since the idle time began: {Describe(after)}");
        var only = Assert.Single(after);
        Assert.Equal(trace.TraceId.ToHexString(), only.Key);
    }

    [Fact]
    public void The_apphost_does_not_warn_about_a_development_certificate_no_service_uses()
    {
        // No service terminates TLS; this machine trusts no development certificate, so a resource
        // that still asked for one would make Aspire log this and show it in the dashboard in red.
        Assert.DoesNotContain(fixture.AppHostLog.Lines, line => line.Contains("development certificate", StringComparison.OrdinalIgnoreCase));
        // ...and the log is the AppHost's from its start on (the check runs before the resources start).
        Assert.Contains(fixture.AppHostLog.Lines, line => line.Contains("Distributed application started", StringComparison.Ordinal));
    }

    private async Task AllReplicasHealthyAsync(string service, int replicas)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var healthy = new HashSet<string>();
        // Starts with the current state of every resource, then follows changes.
        await foreach (var change in fixture.App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (Aspire.Hosting.ServiceBuilderExtensions.IsInstanceOf(change.Resource.Name, service))
            {
                // Running as well: a replica replaced earlier keeps its last health in the replay.
                if (change.Snapshot.HealthStatus == HealthStatus.Healthy && change.Snapshot.State?.Text == Aspire.Hosting.ApplicationModel.KnownResourceStates.Running)
                {
                    healthy.Add(change.ResourceId);
                }
                else
                {
                    healthy.Remove(change.ResourceId);
                }
            }

            if (healthy.Count == replicas)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every trace in the dashboard whose first span started at or after <paramref name="since"/>:
    /// trace id to its spans' names (service: name). A trace begun before (a start-up warm-up whose
    /// writes outlast the health check's turn) is not the idle app's doing.
    /// </summary>
    private async Task<Dictionary<string, List<string>>> TracesStartedSinceAsync(DateTimeOffset since)
    {
        using var response = await fixture.Dashboard.GetAsync("/api/telemetry/traces?limit=10000");
        response.EnsureSuccessStatusCode();
        var envelope = await response.Content.ReadFromJsonAsync<JsonElement>();
        var sinceNanos = (ulong)since.ToUnixTimeMilliseconds() * 1_000_000UL;
        var traces = new Dictionary<string, (ulong FirstStart, List<string> Spans)>();
        foreach (var resource in envelope.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var service = resource.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString())
                .FirstOrDefault();
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    var traceId = span.GetProperty("traceId").GetString()!;
                    var start = Nanos(span.GetProperty("startTimeUnixNano"));
                    var trace = traces.TryGetValue(traceId, out var known) ? known : (ulong.MaxValue, []);
                    trace.Spans.Add($"{service}: {span.GetProperty("name").GetString()}");
                    traces[traceId] = (Math.Min(trace.FirstStart, start), trace.Spans);
                }
            }
        }

        return traces.Where(t => t.Value.FirstStart >= sinceNanos).ToDictionary(t => t.Key, t => t.Value.Spans);
    }

    /// <summary>OTLP JSON writes 64-bit integers as strings; accept a number too.</summary>
    private static ulong Nanos(JsonElement value)
        => value.ValueKind == JsonValueKind.String ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetUInt64();

    private static string Describe(Dictionary<string, List<string>> traces)
        => traces.Count == 0 ? "none" : string.Join("; ", traces.Select(t => $"{t.Key} [{string.Join(", ", t.Value)}]"));
}
