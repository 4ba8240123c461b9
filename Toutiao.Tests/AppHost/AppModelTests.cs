using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;

namespace Toutiao.Tests.AppHost;

/// <summary>The AppHost's app model, run for real: every resource, the feed through it, replicas, a Redis restart.</summary>
[Collection(ToutiaoAppCollection.Name)]
public sealed class AppModelTests(ToutiaoAppFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Every_resource_is_healthy_and_the_feed_answers_a_full_page()
    {
        var notifications = fixture.App.ResourceNotifications;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        foreach (var name in new[] { "redis", "cache", "mysql", "toutiao", "reco", "web" })
        {
            await notifications.WaitForResourceHealthyAsync(name, timeout.Token);
        }

        // The initializer ran to completion before Reco and Web started.
        var initializer = await notifications.WaitForResourceAsync("toutiao-init",
            e => e.Snapshot.State?.Text == KnownResourceStates.Finished, timeout.Token);
        Assert.Equal(0, initializer.Snapshot.ExitCode);

        var (response, body) = await fixture.FreshPageAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("OK", body.GetProperty("message").GetString());
        Assert.Equal(10, body.GetProperty("data").GetProperty("results").GetArrayLength());
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task The_click_model_trainer_is_a_process_of_its_own_below_the_services_priority()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var trainer = await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("reco-trainer", timeout.Token);
        var reco = await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("reco", timeout.Token);

        // Every thread of the trainer at SCHED_IDLE (5) and nice 19 (Linux keeps both per thread), none of Reco's.
        Assert.All(Priorities(LocalProcesses.ServiceOf(trainer)), thread => Assert.Equal((19, 5), thread));
        Assert.All(Priorities(LocalProcesses.ServiceOf(reco)), thread => Assert.Equal((0, 0), thread));

        // The trainer serves no page: Reco's replicas are told to leave the training to it.
        Assert.Equal("elsewhere", reco.Snapshot.EnvironmentVariables.Single(e => e.Name == "Ranking__Trainer").Value);
        Assert.DoesNotContain(trainer.Snapshot.EnvironmentVariables, e => e.Name == "Ranking__Trainer");
    }

    /// <summary>Each thread's nice value and scheduling policy (fields 19 and 41 of /proc/PID/task/TID/stat; the first two end at the command's parenthesis).</summary>
    private static List<(int Nice, int Policy)> Priorities(int pid)
        => [.. Directory.EnumerateDirectories($"/proc/{pid}/task").Select(task =>
        {
            var stat = File.ReadAllText(Path.Combine(task, "stat"));
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture), int.Parse(fields[38], System.Globalization.CultureInfo.InvariantCulture));
        })];

    [Fact]
    public async Task The_dashboard_login_url_and_the_telemetry_api_need_their_secrets()
    {
        Assert.Equal("/login", fixture.DashboardLoginUrl.AbsolutePath);
        Assert.StartsWith("?t=", fixture.DashboardLoginUrl.Query, StringComparison.Ordinal);

        using var anonymous = new HttpClient { BaseAddress = fixture.Dashboard.BaseAddress };
        using var refused = await anonymous.GetAsync("/api/telemetry/resources");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        using var allowed = await fixture.Dashboard.GetAsync("/api/telemetry/resources");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("redis", "noeviction", "yes", "always")]
    [InlineData("cache", "allkeys-lru", "no", "everysec")]
    public async Task The_state_redis_never_evicts_and_keeps_its_data_and_the_cache_redis_evicts_least_recently_used(
        string resource, string policy, string appendOnly, string appendFsync)
    {
        var options = ConfigurationOptions.Parse((await fixture.App.GetConnectionStringAsync(resource))!);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var config = (await redis.GetServers().Single().ConfigGetAsync("*")).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(policy, config["maxmemory-policy"]);
        Assert.Equal(appendOnly, config["appendonly"]);
        // Redis:redis:AppendFsync=always in this app (the fixture's setting); the cache keeps the default.
        Assert.Equal(appendFsync, config["appendfsync"]);
        Assert.True(long.Parse(config["maxmemory"], System.Globalization.CultureInfo.InvariantCulture) > 0, "no memory limit");
        // Both free a replaced or deleted large value (a recall set) off the thread that serves commands.
        Assert.Equal("yes", config["lazyfree-lazy-server-del"]);
        Assert.Equal("yes", config["lazyfree-lazy-user-del"]);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Passwords_are_on_no_command_line_and_in_no_console_log_and_their_files_are_owner_only()
    {
        var redisPassword = ConfigurationOptions.Parse((await fixture.App.GetConnectionStringAsync("redis"))!).Password;
        var cachePassword = ConfigurationOptions.Parse((await fixture.App.GetConnectionStringAsync("cache"))!).Password;
        var mysqlPassword = new MySqlConnectionStringBuilder((await fixture.App.GetConnectionStringAsync("toutiao"))!).Password;
        Assert.False(string.IsNullOrEmpty(redisPassword));
        Assert.False(string.IsNullOrEmpty(cachePassword));
        Assert.False(string.IsNullOrEmpty(mysqlPassword));
        string[] secrets = [redisPassword!, cachePassword!, mysqlPassword];

        // DCP logs the arguments it starts each process with into that resource's console.
        Assert.Contains(fixture.AppHostLog.Lines, line => line.Contains("Resources.redis", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.AppHostLog.Lines, line => secrets.Any(secret => line.Contains(secret, StringComparison.Ordinal)));

        var servers = LocalProcesses.All().Where(p => p.Uses(fixture.DataDirectory)).ToList();
        Assert.Contains(servers, p => p.CommandLine.Contains("redis-server", StringComparison.Ordinal));
        Assert.Contains(servers, p => p.CommandLine.Contains("mariadbd", StringComparison.Ordinal));
        Assert.DoesNotContain(servers, p => secrets.Any(secret => p.CommandLine.Contains(secret, StringComparison.Ordinal)));

        foreach (var secretFile in new[] { Path.Combine("redis", "redis.conf"), Path.Combine("cache", "redis.conf"), Path.Combine("mysql", "init.sql") })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(fixture.DataDirectory, secretFile)));
        }

        // The data itself (Redis' append-only file holds pending login codes) is the owner's alone.
        foreach (var directory in new[] { "redis", "cache", "mysql" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.Combine(fixture.DataDirectory, directory)));
        }
    }

    [Fact]
    public async Task Web_spreads_its_calls_over_both_reco_instances()
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.Equal(["reco", "reco-2"], model.Resources.Where(r => ServiceBuilderExtensions.IsInstanceOf(r.Name, "reco")).Select(r => r.Name).Order());

        // Through one connection to one Web: DCP's proxy would send every call of its one HTTP/2
        // connection to Reco to one instance; Web's channel spreads the calls themselves.
        var web = fixture.App.GetEndpoint("web", "http");
        using var reader = new HttpClient { BaseAddress = web };
        var traces = new List<TestTrace>();
        const int pages = 40;
        for (var i = 0; i < pages; i++)
        {
            var trace = TestTrace.New();
            Assert.Equal(HttpStatusCode.OK, (await reader.FeedAsync(1 + (i % 8), Api.Now(), Api.NewAnonymousReader(), trace: trace)).Status);
            traces.Add(trace);
        }

        // Reco's server span in the dashboard says which instance answered.
        var served = new Dictionary<TestTrace, string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (served.Count < traces.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            foreach (var trace in traces.Where(t => !served.ContainsKey(t)))
            {
                if ((await fixture.TraceAsync(trace)).FirstOrDefault(s => s.Of("reco") && s.Kind == 2 && s.Name == "UserRecommend/user_recommend") is { } span)
                {
                    served[trace] = span.Service;
                }
            }
        }

        var split = served.Values.GroupBy(service => service).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"{pages} pages through one connection to Web: {string.Join(", ", split.Select(s => $"{s.Key} {s.Value}"))}");
        Assert.Equal(pages, served.Count);
        Assert.All(new[] { "reco", "reco-2" }, instance => Assert.InRange(split.GetValueOrDefault(instance), pages * 40 / 100, pages * 60 / 100));
    }

    [Fact]
    public async Task With_one_reco_instance_stopped_every_page_is_whole_from_the_other()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var stopped = await fixture.App.ResourceCommands.ExecuteCommandAsync("reco-2", KnownResourceCommands.StopCommand, timeout.Token);
        Assert.True(stopped.Success, stopped.Message);
        try
        {
            await fixture.App.ResourceNotifications.WaitForResourceAsync("reco-2", KnownResourceStates.TerminalStates, timeout.Token);
            // Its address refuses connections: a call picked for it is tried again on the other
            // instance, which serves every page. The stop may cost the calls it caught on the closing
            // connection (and the breaker they open, half a second), not more: once a page is whole,
            // the next 20 are.
            var web = fixture.App.GetEndpoint("web", "http");
            using var reader = new HttpClient { BaseAddress = web };
            var settling = System.Diagnostics.Stopwatch.StartNew();
            var settlingPages = new List<string>();
            while ((await reader.FeedAsync(1, Api.Now(), Api.NewAnonymousReader())).Header("X-Feed-Degraded") is { } reason)
            {
                settlingPages.Add(reason);
                Assert.True(settling.Elapsed < TimeSpan.FromSeconds(5), $"no whole page within 5 s of the stop: {string.Join(", ", settlingPages)}");
            }

            var degraded = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var page = await reader.FeedAsync(1 + (i % 8), Api.Now(), Api.NewAnonymousReader());
                Assert.Equal(HttpStatusCode.OK, page.Status);
                if (page.Header("X-Feed-Degraded") is { } without)
                {
                    degraded.Add(without);
                }
            }

            output.WriteLine($"whole again {settling.ElapsedMilliseconds} ms after the stop, after {settlingPages.Count} degraded ({string.Join(", ", settlingPages.Distinct())}); degraded of the next 20: {degraded.Count}");
            Assert.Empty(degraded);
        }
        finally
        {
            var started = await fixture.App.ResourceCommands.ExecuteCommandAsync("reco-2", KnownResourceCommands.StartCommand, CancellationToken.None);
            Assert.True(started.Success, started.Message);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("reco-2", timeout.Token);
        }
    }

    /// <summary>
    /// Two Web instances behind DCP's proxy share the readers: each new connection lands on the next
    /// instance. Web's server span in the dashboard says which one answered; the split is printed.
    /// </summary>
    [Fact]
    public async Task Both_web_replicas_share_the_feed_requests()
    {
        Assert.Equal(2, fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Single(r => r.Name == "web").GetReplicaCount());

        var web = fixture.App.GetEndpoint("web", "http");
        var traces = new List<TestTrace>();
        for (var i = 0; i < 20; i++)
        {
            // A client of its own per request: a new connection each time, as readers' phones make.
            using var reader = new HttpClient { BaseAddress = web };
            var trace = TestTrace.New();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await reader.FeedAsync(1 + i, Api.Now(), Api.NewAnonymousReader(), trace: trace)).Status);
            traces.Add(trace);
        }

        var served = new Dictionary<TestTrace, string>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (served.Count < traces.Count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            foreach (var trace in traces.Where(t => !served.ContainsKey(t)))
            {
                if ((await fixture.TraceAsync(trace)).FirstOrDefault(s => s.Service == "web" && s.Kind == 2) is { } span)
                {
                    served[trace] = span.InstanceId;
                }
            }
        }

        var split = served.Values.GroupBy(instance => instance).Select(g => g.Count()).Order().ToList();
        output.WriteLine($"20 readers over two Web instances: {string.Join(" / ", split)}");
        Assert.Equal(traces.Count, served.Count);
        Assert.Equal(2, split.Count);
    }

    [Fact]
    public async Task One_feed_request_is_one_trace_in_the_dashboard_from_web_through_grpc_into_reco_redis_and_mysql()
    {
        // A cold cache, so the page is loaded from MySQL and written back.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("cache"))!))
        {
            var server = redis.GetServers().Single();
            await foreach (var key in server.KeysAsync(pattern: ArticleCacheKeys.Info(0).Replace("0", "*")))
            {
                await redis.GetDatabase().KeyDeleteAsync(key);
            }
        }

        var trace = TestTrace.New();
        var (response, _) = await fixture.FreshPageAsync(channel: 3, trace);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = await fixture.CompleteFeedTraceAsync(trace, expectMySql: true);
        var webServer = Assert.Single(spans, s => s.Service == "web" && s.Kind == 2 && s.Name.Contains("/v1_1/articles", StringComparison.Ordinal));
        var grpcClient = Assert.Single(spans, s => s.Service == "web" && s.Kind == 3 && s.Name == "UserRecommend/user_recommend");
        Assert.Equal("grpc", grpcClient.Attributes["rpc.system"]);
        var recoServer = Assert.Single(spans, s => s.Of("reco") && s.Kind == 2 && s.Name == "UserRecommend/user_recommend");
        Assert.Equal(grpcClient.SpanId, recoServer.ParentSpanId);
        Assert.True(IsDescendant(grpcClient, webServer, spans));

        Assert.Contains(spans, s => s.Of("reco") && s.Attributes.GetValueOrDefault("db.system") == "redis" && IsDescendant(s, recoServer, spans));
        Assert.Contains(spans, s => s.Service == "web" && s.Attributes.GetValueOrDefault("db.system") == "redis" && IsDescendant(s, webServer, spans));

        var cacheRead = Assert.Single(spans, s => s.Service == "web" && s.Name == "article_cache read");
        Assert.Equal("10", cacheRead.Attributes["toutiao.cache.requested"]);
        Assert.Equal("0", cacheRead.Attributes["toutiao.cache.hit"]);
        Assert.Equal("10", cacheRead.Attributes["toutiao.cache.missed"]);
        Assert.Contains(spans, s => s.Service == "web" && s.Scope == "MySqlConnector"
            && s.Attributes.GetValueOrDefault("db.statement", "").Contains("FROM news_article_basic", StringComparison.Ordinal)
            && IsDescendant(s, cacheRead, spans));
    }

    [Fact]
    public async Task Restarting_redis_from_the_app_model_keeps_the_feed_working()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("redis", KnownResourceCommands.RestartCommand, timeout.Token);
        Assert.True(result.Success, result.Message);
        // Right after the command the snapshot may still show the stopped process: wait through it.
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("redis", WaitBehavior.WaitOnResourceUnavailable, timeout.Token);

        // Web and Reco reconnect through DCP's proxy, whose port did not change: no restart of theirs.
        var statuses = new List<HttpStatusCode>();
        var full = false;
        while (!full && !timeout.IsCancellationRequested)
        {
            var (response, body) = await fixture.FreshPageAsync(channel: 2);
            statuses.Add(response.StatusCode);
            full = response.StatusCode == HttpStatusCode.OK && body.GetProperty("data").GetProperty("results").GetArrayLength() == 10;
            if (!full)
            {
                await Task.Delay(200, timeout.Token);
            }
        }

        Assert.True(full, $"No full page after the restart; statuses: {string.Join(", ", statuses)}");
        Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);

        // The shared app goes on healthy for the other tests: Web's and Reco's checks include Redis.
        foreach (var service in new[] { "reco", "web" })
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }
    }

    [Fact]
    public async Task After_the_cache_redis_is_restarted_from_the_app_model_the_served_counters_agree_with_mysql_within_60_s()
    {
        await using var mysql = new MySqlDataSource((await fixture.App.GetConnectionStringAsync("toutiao"))!);
        long articleId;
        await using (var pick = mysql.CreateCommand("""
            SELECT s.article_id FROM news_article_statistic s JOIN news_article_basic a ON a.article_id = s.article_id
            WHERE a.status = 2 AND s.like_count > 0 AND s.read_count > 0 ORDER BY s.article_id LIMIT 1
            """))
        {
            articleId = Convert.ToInt64(await pick.ExecuteScalarAsync() ?? throw new InvalidOperationException("no article with likes and reads in the demo data"));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync("cache", KnownResourceCommands.RestartCommand, timeout.Token);
        Assert.True(result.Success, result.Message);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("cache", WaitBehavior.WaitOnResourceUnavailable, timeout.Token);

        // Back empty: every Web replica (the requests go to either) must reload the counters by itself.
        var back = System.Diagnostics.Stopwatch.StartNew();
        var agreeing = 0;
        while (agreeing < 4)
        {
            var detail = await fixture.Web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}");
            await using var command = mysql.CreateCommand("SELECT like_count, read_count FROM news_article_statistic WHERE article_id = @a");
            command.Parameters.Add(new MySqlParameter("@a", articleId));
            await using var row = await command.ExecuteReaderAsync(timeout.Token);
            await row.ReadAsync(timeout.Token);
            var truth = (row.GetInt64(0), row.GetInt64(1));
            var shown = detail.Status == HttpStatusCode.OK
                ? (detail.Data.GetProperty("like_count").GetInt64(), detail.Data.GetProperty("read_count").GetInt64())
                : (-1, -1);
            agreeing = shown == truth ? agreeing + 1 : 0;
            Assert.True(back.Elapsed < TimeSpan.FromSeconds(60),
                $"60 s after the cache server came back the detail shows {detail.Status} (likes, reads) {shown}; MySQL has {truth}");
            if (agreeing < 4)
            {
                await Task.Delay(200, timeout.Token);
            }
        }

        output.WriteLine($"Counters agree with MySQL {back.ElapsedMilliseconds} ms after the cache server was healthy again");
        foreach (var service in new[] { "reco", "web" })
        {
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }
    }

    private static bool IsDescendant(DashboardSpan span, DashboardSpan ancestor, List<DashboardSpan> spans)
    {
        var bySpanId = spans.ToDictionary(s => s.SpanId);
        for (var current = span; current.ParentSpanId is { } parent && bySpanId.TryGetValue(parent, out var next); current = next)
        {
            if (next.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
