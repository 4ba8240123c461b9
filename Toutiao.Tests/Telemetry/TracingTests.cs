using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using OpenTelemetry.Logs;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.Telemetry;

/// <summary>One feed request is one distributed trace: Web, the gRPC hop, Reco, Redis and MySQL.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class TracingTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_feed_request_is_one_trace_from_web_through_grpc_into_reco_redis_and_mysql()
    {
        var reader = Api.NewAnonymousReader();
        var time = Api.Now();
        var ids = (await fixture.WebClient.FeedAsync(8, time, reader)).ArticleIds();
        // Cold: the loads just finished are forgotten too (they would be shared, not read from MySQL).
        foreach (var id in ids)
        {
            fixture.WebService<ArticleInfoCache>().Forget(id);
        }

        await fixture.Cache.GetDatabase().KeyDeleteAsync(ids.Select(id => (RedisKey)ArticleCacheKeys.Info(id)).ToArray());

        // Cold: the page's infos come from MySQL.
        var cold = TestTrace.New();
        Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.FeedAsync(8, time, reader, trace: cold)).Status);
        var spans = await SpansOfAsync(cold, expectAtLeast: 8, withRedisUnder: ["article_cache read", "article_cache write_back", "reco history"]);

        var webServer = Assert.Single(spans, IsWebServerSpan);
        Assert.Equal("/v1_1/articles", webServer.GetTagItem("http.route"));

        var grpcClient = Assert.Single(spans, s => s.Kind == ActivityKind.Client && Equals(s.GetTagItem("rpc.system"), "grpc"));
        Assert.Equal("UserRecommend/user_recommend", grpcClient.DisplayName);
        Assert.True(IsDescendant(grpcClient, webServer, spans));

        var recoServer = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s != webServer);
        Assert.Equal(grpcClient.SpanId, recoServer.ParentSpanId);
        Assert.Equal("UserRecommend/user_recommend", recoServer.DisplayName);
        Assert.Equal("grpc", recoServer.GetTagItem("rpc.system"));
        Assert.Equal("UserRecommend", recoServer.GetTagItem("rpc.service"));
        Assert.Equal("user_recommend", recoServer.GetTagItem("rpc.method"));
        Assert.Equal(0, Convert.ToInt32(recoServer.GetTagItem("rpc.grpc.status_code")));

        // Reco's own work and its Redis commands (StackExchange.Redis instrumentation) hang under Reco's server span.
        // The same timestamp again: the page recorded then, read back by the one history script.
        var historyRead = Assert.Single(spans, s => s.DisplayName == "reco history");
        Assert.Equal(recoServer.SpanId, historyRead.ParentSpanId);
        Assert.Equal("existing", historyRead.GetTagItem("toutiao.reco.outcome"));
        var recoRedis = spans.Where(s => s.Source.Name == RedisSource && IsDescendant(s, recoServer, spans)).ToList();
        Assert.NotEmpty(recoRedis);
        Assert.All(recoRedis, s =>
        {
            Assert.Equal(ActivityKind.Client, s.Kind);
            Assert.Equal("redis", s.GetTagItem("db.system"));
            Assert.Equal(s.DisplayName, s.GetTagItem("db.statement"));
        });

        // Web's cache read: counts say what happened, MySQL is its child, the write-back its own span.
        var cacheRead = Assert.Single(spans, s => s.DisplayName == "article_cache read");
        Assert.Equal(webServer.SpanId, cacheRead.ParentSpanId);
        Assert.Equal(10, cacheRead.GetTagItem("toutiao.cache.requested"));
        Assert.Equal(0, cacheRead.GetTagItem("toutiao.cache.hit"));
        Assert.Equal(0, cacheRead.GetTagItem("toutiao.cache.not_found"));
        Assert.Equal(10, cacheRead.GetTagItem("toutiao.cache.missed"));
        // The page is one script round trip.
        var script = Assert.Single(spans, s => s.Source.Name == RedisSource && s.ParentSpanId == cacheRead.SpanId);
        Assert.StartsWith("EVAL", script.DisplayName);
        var mysql = spans.Where(s => s.Source.Name == "MySqlConnector").ToList();
        Assert.Single(mysql, s => s.DisplayName == "Execute");
        Assert.All(mysql, s => Assert.Equal(cacheRead.SpanId, s.ParentSpanId));
        var writeBack = Assert.Single(spans, s => s.DisplayName == "article_cache write_back");
        Assert.True(IsDescendant(writeBack, webServer, spans));
        var writes = spans.Where(s => s.ParentSpanId == writeBack.SpanId).ToList();
        Assert.NotEmpty(writes);
        Assert.All(writes, s => Assert.Equal("SETEX", s.DisplayName));

        // A fresh page: Reco ranks from memory and records the page in the reader's history, both as spans.
        var fresh = TestTrace.New();
        await fixture.WebClient.FeedAsync(8, time + 1000, reader, trace: fresh);
        var freshSpans = await SpansOfAsync(fresh, expectAtLeast: 8, withRedisUnder: ["reco history"]);
        var freshReco = Assert.Single(freshSpans, s => s.Kind == ActivityKind.Server && s.DisplayName == "UserRecommend/user_recommend");
        var recall = Assert.Single(freshSpans, s => s.DisplayName == "reco recall");
        Assert.Equal(freshReco.SpanId, recall.ParentSpanId);
        Assert.True((int)recall.GetTagItem("toutiao.reco.considered")! >= 10);
        var historyWrite = Assert.Single(freshSpans, s => s.DisplayName == "reco history");
        Assert.Equal(freshReco.SpanId, historyWrite.ParentSpanId);
        Assert.Equal("recorded", historyWrite.GetTagItem("toutiao.reco.outcome"));
        Assert.Equal(10, historyWrite.GetTagItem("toutiao.reco.articles"));
        Assert.Contains(freshSpans, s => s.ParentSpanId == historyWrite.SpanId && s.Source.Name == RedisSource);

        // Hot: the same page again is all hits, and MySQL is not in the trace at all; nor is Reco:
        // Web served this page a moment ago, the reader's second (RecordedPages).
        var hot = TestTrace.New();
        await fixture.WebClient.FeedAsync(8, time, reader, trace: hot);
        var hotSpans = await SpansOfAsync(hot, expectAtLeast: 3);
        Assert.DoesNotContain(hotSpans, s => Equals(s.GetTagItem("rpc.system"), "grpc"));
        var hotRead = Assert.Single(hotSpans, s => s.DisplayName == "article_cache read");
        Assert.Equal(10, hotRead.GetTagItem("toutiao.cache.hit"));
        Assert.Equal(0, hotRead.GetTagItem("toutiao.cache.missed"));
        Assert.DoesNotContain(hotSpans, s => s.Source.Name == "MySqlConnector");
        Assert.DoesNotContain(hotSpans, s => s.DisplayName == "article_cache write_back");
    }

    [Fact]
    public async Task A_failing_reco_call_is_an_error_span_on_both_sides_with_the_grpc_status()
    {
        var recoPort = Ports.Free();
        var webPort = Ports.Free();
        using var redisPort = Ports.Refusing();
        using var mySqlPort = Ports.Refusing();
        var deadRedis = $"127.0.0.1:{redisPort.Port}";
        var deadMySql = $"Server=127.0.0.1;Port={mySqlPort.Port};User ID=root;Password=x;Database=toutiao";
        var webLogs = new ConcurrentCollection<OpenTelemetry.Logs.LogRecord>();
        await using var reco = fixture.StartReco(recoPort, deadRedis, deadMySql);
        await using var web = fixture.StartWeb(webPort, new Uri($"http://127.0.0.1:{recoPort}"), "Development",
            services => services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(webLogs)));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}") };

        var trace = TestTrace.New();
        var response = await client.FeedAsync(0, Api.Now(), Api.NewAnonymousReader(), trace: trace);
        Assert.Equal(HttpStatusCode.OK, response.Status);

        var spans = await SpansOfAsync(trace, expectAtLeast: 3);
        // Web served the popular page instead, and its span says so.
        var degraded = Assert.Single(Assert.Single(spans, IsWebServerSpan).Events, e => e.Name == "feed.degraded");
        Assert.Contains(degraded.Tags, t => t.Key == "toutiao.feed.degraded" && Equals(t.Value, "reco"));
        // UNAVAILABLE is tried once more (RecoChannel's retry policy): an attempt is a client span each.
        var grpcClients = spans.Where(s => s.Kind == ActivityKind.Client && Equals(s.GetTagItem("rpc.system"), "grpc")).ToList();
        Assert.InRange(grpcClients.Count, 1, 2);
        foreach (var grpcClient in grpcClients)
        {
            var recoServer = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == grpcClient.SpanId);
            foreach (var span in new[] { grpcClient, recoServer })
            {
                Assert.Equal(ActivityStatusCode.Error, span.Status);
                Assert.Equal((int)Grpc.Core.StatusCode.Unavailable, Convert.ToInt32(span.GetTagItem("rpc.grpc.status_code")));
            }
        }

        // The warning in Web's logs carries the trace.
        var warning = Assert.Single(trace.LogsIn(webLogs), l => l.CategoryName == "Toutiao.Web.Feed.RecoClient");
        Assert.NotEqual(default, warning.SpanId);
        Assert.Contains("Unavailable", warning.FormattedMessage);
    }

    [Fact]
    public async Task Health_requests_produce_no_spans()
    {
        var started = DateTime.UtcNow;
        var trace = TestTrace.New();
        using (trace.Begin())
        {
            using var health = await fixture.WebClient.GetAsync("/health");
            using var alive = await fixture.WebClient.GetAsync("/alive");
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        }

        // The checks ran (Redis PING, MySQL SELECT 1) without leaving spans, under the trace or as new
        // roots. Background work (cache warmers, recall refresh) may start root spans of its own at
        // any time, so only the health checks' own commands count here. The AppHost tests run in this
        // process at the same time, and their AppHost's own SELECT 1 checks of its MariaDB are
        // MySqlConnector spans too: only commands to this fixture's server count.
        await Task.Delay(200);
        var mySqlPort = new MySqlConnector.MySqlConnectionStringBuilder(fixture.Storage.MySqlConnectionString).Port;
        Assert.DoesNotContain(trace.SpansIn(fixture.Spans), s => s.Source.Name != "System.Net.Http");
        Assert.DoesNotContain(fixture.Spans.Snapshot(), s => s.StartTimeUtc >= started
            && (s.Source.Name == "MySqlConnector" && s.SqlStatement() == "SELECT 1" && Equals(ServerPort(s), (int)mySqlPort)
                || s.Source.Name == RedisSource && s.DisplayName == "PING"));
        // ...and the port does tell them apart: the services' own commands carry it.
        Assert.Contains(fixture.Spans.Snapshot(), s => s.Source.Name == "MySqlConnector" && Equals(ServerPort(s), (int)mySqlPort));

        // A real request over the same client is traced: the emptiness above is not for lack of an exporter.
        var feed = TestTrace.New();
        await fixture.WebClient.FeedAsync(0, Api.Now(), trace: feed);
        Assert.NotEmpty(await SpansOfAsync(feed, expectAtLeast: 1));
    }

    [Fact]
    public async Task Api_requests_by_route_and_outcome_latency_and_reco_candidates_are_measured()
    {
        var measurements = new ConcurrentCollection<(string Instrument, double Value, string? Route, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name.StartsWith("toutiao.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, Tag(tags, "route"), Tag(tags, "outcome"))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, Tag(tags, "route"), Tag(tags, "outcome"))));
        listener.Start();

        await fixture.WebClient.FeedAsync(2, Api.Now(), Api.NewAnonymousReader());
        await fixture.WebClient.FeedAsync(2, -1);
        // Not only the feed: any endpoint, a refusal thrown as an ApiException and one returned as a result.
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/comments?type=x&source=1")).Status);
        Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/channels")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/profile")).Status);

        var seen = measurements.Snapshot();
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.requests", Route: "/v1_1/articles", Outcome: "ok" });
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.requests", Route: "/v1_1/articles", Outcome: "bad_request" });
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.duration", Route: "/v1_1/articles" } && m.Value > 0);
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.requests", Route: "/v1_0/comments", Outcome: "bad_request" });
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.requests", Route: "/v1_0/user/channels", Outcome: "ok" });
        Assert.Contains(seen, m => m is { Instrument: "toutiao.api.requests", Route: "/v1_0/user/profile", Outcome: "unauthorized" });
        Assert.Contains(seen, m => m.Instrument == "toutiao.cache.lookups");
        Assert.Contains(seen, m => m.Instrument == "toutiao.reco.candidates.considered" && m.Value >= 10);
        Assert.Contains(seen, m => m.Instrument == "toutiao.reco.candidates.returned" && m.Value == 10);

        static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == key)
                {
                    return tag.Value as string;
                }
            }

            return null;
        }
    }

    /// <summary>The StackExchange.Redis instrumentation that Aspire.StackExchange.Redis brings.</summary>
    private const string RedisSource = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    /// <summary>
    /// Spans end asynchronously (the server span after the response is sent, Redis command spans
    /// when the instrumentation drains its profiler, every few seconds): wait until the trace is complete.
    /// Redis commands are waited for under each named span itself: the instrumentation drains a span's
    /// commands only once that span has ended, so a child's commands (the write-back's SETEX) can
    /// arrive seconds before its parent's own (the cache read's EVAL).
    /// </summary>
    private async Task<List<Activity>> SpansOfAsync(TestTrace trace, int expectAtLeast, string[]? withRedisUnder = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        List<Activity> spans;
        while ((spans = trace.SpansIn(fixture.Spans)).Count < expectAtLeast
               || !spans.Any(IsWebServerSpan)
               || !(withRedisUnder ?? []).All(parent => spans.Any(s => s.Source.Name == RedisSource
                   && spans.Any(p => p.DisplayName == parent && s.ParentSpanId == p.SpanId))))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Only {spans.Count} spans arrived: {string.Join(", ", spans.Select(s => s.DisplayName))}");
            await Task.Delay(20);
        }

        return spans;
    }

    /// <summary>The port a client span talked to, under the current or the older semantic convention.</summary>
    private static int? ServerPort(Activity span)
        => (span.GetTagItem("server.port") ?? span.GetTagItem("net.peer.port")) is { } port ? Convert.ToInt32(port) : null;

    /// <summary>Web's server span: the test's own HttpClient span is its parent.</summary>
    private static bool IsWebServerSpan(Activity span)
        => span.Kind == ActivityKind.Server && span.DisplayName.StartsWith("GET ", StringComparison.Ordinal);

    private static bool IsDescendant(Activity span, Activity ancestor, List<Activity> spans)
    {
        var byId = spans.ToDictionary(s => s.SpanId);
        for (var current = span; byId.TryGetValue(current.ParentSpanId, out var parent); current = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
