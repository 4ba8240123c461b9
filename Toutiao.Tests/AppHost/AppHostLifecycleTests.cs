extern alias apphost;

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;
using Projects = apphost::Projects;

namespace Toutiao.Tests.AppHost;

/// <summary>What the AppHost leaves behind: a deployable manifest, and no process after it stops.</summary>
public sealed class AppHostLifecycleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("toutiao-apphost-").FullName;

    [Fact]
    public async Task Publish_mode_writes_a_manifest_naming_every_resource_with_its_deployable_type_and_references()
    {
        var manifestPath = Path.Combine(_directory, "aspire-manifest.json");
        var (exitCode, output) = await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath);
        Assert.True(exitCode == 0, $"exit {exitCode}: {output}");

        var resources = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath)).RootElement.GetProperty("resources");
        string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;

        foreach (var redis in new[] { "redis", "cache" })
        {
            Assert.Equal("container.v0", Type(redis));
            Assert.StartsWith("docker.io/library/redis", resources.GetProperty(redis).GetProperty("image").GetString());
            Assert.Equal("parameter.v0", Type($"{redis}-password"));
        }

        Assert.Equal("container.v0", Type("mysql"));
        Assert.StartsWith("docker.io/mariadb", resources.GetProperty("mysql").GetProperty("image").GetString());
        Assert.Equal("{mysql-password.value}", resources.GetProperty("mysql").GetProperty("env").GetProperty("MARIADB_ROOT_PASSWORD").GetString());
        Assert.Equal("value.v0", Type("toutiao"));
        Assert.Equal("{mysql.connectionString};Database=toutiao", resources.GetProperty("toutiao").GetProperty("connectionString").GetString());
        Assert.Equal("parameter.v0", Type("mysql-password"));

        foreach (var project in new[] { "toutiao-init", "reco", "web" })
        {
            Assert.Equal("project.v1", Type(project).Replace("v0", "v1"));
        }

        // root is the initializer's (it owns the schema); each service connects as its own account.
        Assert.Equal("{toutiao.connectionString}", resources.GetProperty("toutiao-init").GetProperty("env").GetProperty("ConnectionStrings__toutiao").GetString());
        foreach (var (project, account, user) in new[] { ("reco", "toutiao-reco", "toutiao_reco"), ("web", "toutiao-web", "toutiao_web") })
        {
            Assert.Equal($"{{{account}.connectionString}}", resources.GetProperty(project).GetProperty("env").GetProperty("ConnectionStrings__toutiao").GetString());
            Assert.Equal("value.v0", Type(account));
            Assert.Equal($"Server={{mysql.bindings.tcp.host}};Port={{mysql.bindings.tcp.port}};User ID={user};Password={{{account}-password.value}};Database=toutiao",
                resources.GetProperty(account).GetProperty("connectionString").GetString());
            Assert.Equal("parameter.v0", Type($"{account}-password"));
        }

        Assert.Equal("initialize-database", resources.GetProperty("toutiao-init").GetProperty("args")[0].GetString());
        var web = resources.GetProperty("web").GetProperty("env");
        Assert.Equal("{redis.connectionString}", web.GetProperty("ConnectionStrings__redis").GetString());
        Assert.Equal("{cache.connectionString}", web.GetProperty("ConnectionStrings__cache").GetString());
        Assert.Equal("{cache.connectionString}", resources.GetProperty("reco").GetProperty("env").GetProperty("ConnectionStrings__cache").GetString());
        Assert.Equal("{reco.bindings.http.url}", web.GetProperty("services__reco__http__0").GetString());

        // One secret signs the tracking strings in Reco and checks them in Web.
        Assert.Equal("parameter.v0", Type("tracking-signing-key"));
        Assert.True(resources.GetProperty("tracking-signing-key").GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean());
        foreach (var project in new[] { "reco", "web" })
        {
            Assert.Equal("{tracking-signing-key.value}", resources.GetProperty(project).GetProperty("env").GetProperty("Tracking__SigningKey").GetString());
        }
    }

    [Fact]
    public async Task Disposing_the_app_leaves_no_server_or_service_process_behind()
    {
        using var timeout = new CancellationTokenSource(ToutiaoAppFixture.StartTimeout);
        var marker = $"toutiao-leak-check-{Guid.NewGuid():N}";
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}"], timeout.Token);
        foreach (var project in builder.Resources.OfType<ProjectResource>())
        {
            // Marks the service processes so they can be told apart from other tests' processes.
            builder.CreateResourceBuilder(project).WithEnvironment("TOUTIAO_TEST_MARKER", marker);
        }

        var log = new CapturedLog();
        builder.Services.AddLogging(logging => logging.AddProvider(log));
        await using (var app = await builder.BuildAsync(timeout.Token))
        {
            await app.StartAsync(timeout.Token);
            try
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
            }
            catch (DistributedApplicationException ex)
            {
                // Says which resource failed and why, for a failure that is rare here.
                throw new InvalidOperationException(ex.Message + "\n" + string.Join('\n', log.Lines.TakeLast(60)), ex);
            }

            var running = ProcessesOf(marker);
            foreach (var process in new[] { "redis-server", "mariadbd", "Toutiao.Reco", "Toutiao.Web" })
            {
                Assert.Contains(running, p => p.Contains(process, StringComparison.Ordinal));
            }
        }

        // DCP stops the processes as the app is disposed; give the last ones a moment to exit.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (ProcessesOf(marker) is { Count: > 0 } && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Empty(ProcessesOf(marker));
    }

    [Theory]
    [InlineData(false, 1, 1, false, false)]
    [InlineData(false, 3, 1, false, false)]
    [InlineData(false, 1, 2, true, false)]
    [InlineData(true, 1, 1, true, false)]
    [InlineData(true, 2, 2, true, false)]
    public async Task Web_and_reco_listen_without_dcps_proxy_unless_replicas_or_random_ports_need_it(
        bool randomPorts, int recoReplicas, int webReplicas, bool webProxied, bool recoProxied)
    {
        // The app model only: nothing starts.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}", $"--DcpPublisher:RandomizePorts={randomPorts}", $"--Replicas:reco={recoReplicas}", $"--Replicas:web={webReplicas}"]);
        EndpointAnnotation Http(IResource resource) => resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http");

        // Reco's instances are resources of their own, each with its own address (Web spreads its
        // calls over them), never behind the proxy (with randomized ports, on free ones); Web's
        // replicas share the proxy's port.
        var reco = builder.Resources.Where(r => ServiceBuilderExtensions.IsInstanceOf(r.Name, "reco")).ToList();
        Assert.Equal(["reco", .. Enumerable.Range(2, recoReplicas - 1).Select(i => $"reco-{i}")], reco.Select(r => r.Name));
        Assert.All(reco, r => Assert.Equal(1, r.Annotations.OfType<ReplicaAnnotation>().SingleOrDefault()?.Replicas ?? 1));
        Assert.Equal(webProxied, Http(builder.Resources.Single(r => r.Name == "web")).IsProxied);
        Assert.All(reco, r => Assert.Equal(recoProxied, Http(r).IsProxied));
        Assert.Equal(recoReplicas, reco.Select(r => Http(r).Port).Distinct().Count());

        // Web is given every instance's address under the one name its client resolves.
        var web = builder.Resources.Single(r => r.Name == "web");
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), web);
        foreach (var callback in web.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        Assert.Equal(Enumerable.Range(0, recoReplicas).Select(i => $"services__reco__http__{i}"),
            context.EnvironmentVariables.Keys.Where(k => k.StartsWith("services__reco__http__", StringComparison.Ordinal)).Order());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Redis_and_mysql_listen_on_their_own_fixed_ports_unless_ports_are_randomized(bool randomPorts)
    {
        // The app model only: nothing starts.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}", $"--DcpPublisher:RandomizePorts={randomPorts}"]);
        foreach (var (name, port) in new[] { ("redis", 6380), ("cache", 6381) })
        {
            var endpoint = builder.Resources.Single(r => r.Name == name).Annotations.OfType<EndpointAnnotation>().Single();
            Assert.Equal(!randomPorts, !endpoint.IsProxied);
            Assert.Equal(randomPorts ? null : port, endpoint.TargetPort);
            Assert.Equal(randomPorts ? null : port, endpoint.Port);
        }

        var mysql = builder.Resources.Single(r => r.Name == "mysql").Annotations.OfType<EndpointAnnotation>().Single();
        Assert.Equal((randomPorts, randomPorts ? null : 3307), (mysql.IsProxied, mysql.TargetPort));
    }

    [Theory]
    [InlineData(null, "always_on", null)]
    [InlineData("0.25", "parentbased_traceidratio", "0.25")]
    public async Task Web_and_reco_record_every_trace_unless_a_sample_ratio_is_set(string? ratio, string sampler, string? argument)
    {
        // The app model only: nothing starts.
        string[] args = [$"--AppHost:DataDirectory={_directory}", .. ratio is null ? Array.Empty<string>() : [$"--Tracing:SampleRatio={ratio}"]];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(args);
        foreach (var name in new[] { "web", "reco" })
        {
            // Every environment callback in order, Aspire's own included; values left unresolved.
            var service = builder.Resources.Single(r => r.Name == name);
            var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), service);
            foreach (var callback in service.Annotations.OfType<EnvironmentCallbackAnnotation>())
            {
                await callback.Callback(context);
            }

            Assert.Equal(sampler, context.EnvironmentVariables["OTEL_TRACES_SAMPLER"]);
            Assert.Equal(argument, context.EnvironmentVariables.GetValueOrDefault("OTEL_TRACES_SAMPLER_ARG"));
        }
    }

    [Fact]
    public async Task A_sample_ratio_outside_0_to_1_stops_the_apphost_with_one_sentence()
    {
        var manifestPath = Path.Combine(_directory, "aspire-manifest.json");
        var (exitCode, output) = await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath, "--Tracing:SampleRatio=10");

        Assert.Equal(1, exitCode);
        Assert.Contains("error: Tracing:SampleRatio is 10: it must be between 0 and 1.", output);
        Assert.DoesNotContain("   at ", output);
    }

    /// <summary>
    /// The built AppHost, started from its project directory as <c>dotnet run</c> would (without
    /// `dotnet run`'s seconds of project evaluation, CPU the tests running beside it need); its exit
    /// code and what it wrote (standard output, then error).
    /// </summary>
    private static async Task<(int ExitCode, string Output)> RunAppHostAsync(params string[] args)
    {
        var project = Projects.Toutiao_AppHost.ProjectPath;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = project,
            ArgumentList = { Path.Combine(project, "bin", Configuration, "net10.0", "Toutiao.AppHost.dll") },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }

    [Fact]
    public async Task A_cluster_topology_is_six_unproxied_nodes_on_fixed_ports_a_create_step_and_one_connection_string_naming_them()
    {
        // The app model only: nothing starts.
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}", "--DcpPublisher:RandomizePorts=false", "--Redis:Topology=cluster"]);
        foreach (var (name, firstPort) in new[] { ("redis", 7001), ("cache", 7011) })
        {
            var nodes = Enumerable.Range(0, 6).Select(i => builder.Resources.Single(r => r.Name == $"{name}-node-{i}")).ToList();
            var endpoints = nodes.Select(node => node.Annotations.OfType<EndpointAnnotation>().Single()).ToList();
            Assert.All(endpoints, endpoint => Assert.False(endpoint.IsProxied));
            Assert.Equal(Enumerable.Range(firstPort, 6), endpoints.Select(endpoint => endpoint.TargetPort!.Value));
            Assert.IsAssignableFrom<ExecutableResource>(builder.Resources.Single(r => r.Name == $"{name}-cluster-create"));

            var cluster = (IResourceWithConnectionString)builder.Resources.Single(r => r.Name == name);
            Assert.StartsWith(string.Join(',', Enumerable.Range(firstPort, 6).Select(port => $"127.0.0.1:{port}")) + ",password=",
                cluster.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
        }

        // The nodes remember each other by address: the same data with randomized ports keeps the ports it was created with.
        await using var again = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}", "--DcpPublisher:RandomizePorts=true", "--Redis:Topology=cluster"]);
        Assert.Equal(Enumerable.Range(7001, 6), Enumerable.Range(0, 6).Select(i =>
            again.Resources.Single(r => r.Name == $"redis-node-{i}").Annotations.OfType<EndpointAnnotation>().Single().TargetPort!.Value));
    }

    [Fact]
    public async Task An_unknown_redis_topology_is_one_clear_error()
    {
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(async () =>
        {
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
                [$"--AppHost:DataDirectory={_directory}", "--Redis:Topology=sharded"]);
        });
        Assert.Equal("Redis:Topology is 'sharded': use single (the default) or cluster.", error.Message);
    }

    [Fact]
    public async Task An_unknown_fsync_setting_is_one_clear_error()
    {
        var error = await Assert.ThrowsAsync<DistributedApplicationException>(async () =>
        {
            await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
                [$"--AppHost:DataDirectory={_directory}", "--Redis:redis:AppendFsync=sometimes"]);
        });
        Assert.Equal("Redis:redis:AppendFsync is 'sometimes': use everysec (the default), always or no.", error.Message);
    }

    [Fact]
    public async Task A_failing_database_initializer_is_reported_and_reco_and_web_never_start()
    {
        using var timeout = new CancellationTokenSource(ToutiaoAppFixture.StartTimeout);
        var log = new CapturedLog();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}"], timeout.Token);
        builder.Services.AddLogging(logging => logging.AddProvider(log));
        // A database nobody listens on: the initializer cannot connect and exits non-zero.
        var unreachable = $"Server=127.0.0.1;Port={Ports.Free()};User ID=root;Password=x;Database=toutiao;Connection Timeout=2";
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "toutiao-init"))
            .WithEnvironment("ConnectionStrings__toutiao", unreachable);

        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);

        var error = await log.WaitForLineAsync(line => line.Contains("database initializer", StringComparison.Ordinal), timeout.Token);
        Assert.Contains("Error Toutiao.AppHost: The database initializer 'toutiao-init' failed with exit code 1", error);
        foreach (var service in new[] { "reco", "web" })
        {
            await app.ResourceNotifications.WaitForResourceAsync(service, KnownResourceStates.FailedToStart, timeout.Token);
        }
    }

    [Fact]
    public async Task With_mysql_stopped_a_warm_feed_still_answers_and_a_page_missing_one_article_is_served_partial()
    {
        using var timeout = new CancellationTokenSource(ToutiaoAppFixture.StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={_directory}"], timeout.Token);
        var log = new CapturedLog();
        builder.Services.AddLogging(logging => logging.AddProvider(log));
        // Channel lists that are always due for a reload: with MySQL down they must come from memory.
        var projects = builder.Resources.OfType<ProjectResource>().ToDictionary(p => p.Name);
        builder.CreateResourceBuilder(projects["web"]).WithEnvironment("Channels__CacheDuration", "00:00:00")
            // The page's articles must come from Redis, where one of them is deleted, not from Web's memory.
            .WithEnvironment("ArticleCache__LocalTtl", "00:00:00");
        // What is checked is where each part of a page comes from, not the budget: on a busy CI machine
        // (2026-12-07, beside the simulation test) the history page once came out popular, as it
        // must when a Redis call or Reco overruns its share of 1.5 s. Time enough for every call here.
        builder.CreateResourceBuilder(projects["web"]).WithEnvironment("RequestBudget__Length", "00:00:10");
        foreach (var service in new[] { "web", "reco" })
        {
            builder.CreateResourceBuilder(projects[service])
                .WithEnvironment($"StorageGuards__{Microsoft.Extensions.Hosting.RedisConnections.State}__Cap", "00:00:03")
                .WithEnvironment($"StorageGuards__{Microsoft.Extensions.Hosting.RedisConnections.Cache}__Cap", "00:00:03");
        }

        builder.CreateResourceBuilder(projects["reco"]).WithEnvironment("Recommendation__ChannelRefreshInterval", "00:00:00");
        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
        using var web = app.CreateHttpClient("web");
        var reader = Api.NewAnonymousReader();

        // Warm: a fresh page loads its articles into Redis. Then MySQL stops.
        var t1 = Api.Now();
        var fresh = await web.FeedAsync(4, t1, reader);
        Assert.Equal(10, fresh.ArticleIds().Count);
        var stop = await app.ResourceCommands.ExecuteCommandAsync("mysql", KnownResourceCommands.StopCommand, timeout.Token);
        Assert.True(stop.Success, stop.Message);
        await app.ResourceNotifications.WaitForResourceAsync("mysql", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
        await WaitUntilUnreachableAsync((await app.GetConnectionStringAsync("toutiao", timeout.Token))!, timeout.Token);

        // Then one of the page's articles leaves Redis (long after Web stopped handing out its finished load).
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("redis", timeout.Token))!);
        await using var cache = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync((await app.GetConnectionStringAsync("cache", timeout.Token))!);
        Assert.True(await cache.GetDatabase().KeyDeleteAsync(Toutiao.Web.Articles.ArticleCacheKeys.Info(fresh.ArticleIds()[3])));

        // The channel list and Reco's channel check come from memory, the page's articles from Redis.
        Assert.Equal(HttpStatusCode.OK, (await web.SendAsync(HttpMethod.Get, "/v1_0/channels")).Status);
        var history = await web.SendAsync(HttpMethod.Get, $"/v1_1/articles?channel_id=4&timestamp={t1}", reader);
        Assert.Equal(HttpStatusCode.OK, history.Status);
        var served = $"degraded: {history.Header("X-Feed-Degraded")}; " +
            string.Join('\n', log.Lines.Where(l => l.Contains("Resources.web", StringComparison.Ordinal) || l.Contains("Resources.reco", StringComparison.Ordinal)).TakeLast(20));
        Assert.True(fresh.ArticleIds().Where((_, i) => i != 3).SequenceEqual(history.ArticleIds()), served);
        Assert.Equal("mysql", history.Header("X-Feed-Degraded"));

        // The recall sets' freshness marker expired during the outage: Reco keeps recommending from the last build.
        Assert.True(await redis.GetDatabase().KeyDeleteAsync(RecallKeys.BuiltMarker));

        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(app.GetEndpoint("reco", "http"));
        var stopwatch = Stopwatch.StartNew();
        var reply = await new UserRecommend.UserRecommendClient(channel).user_recommendAsync(
            new UserRequest { UserId = "outage-reader", ChannelId = 4, ArticleNum = 10, TimeStamp = Api.Now() }, cancellationToken: timeout.Token);
        Assert.Equal(10, reply.Recommends.Count);
        // Not behind a rebuild that waits for MySQL's 3 s connect timeout.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"took {stopwatch.Elapsed}; " +
            string.Join('\n', log.Lines.Where(l => l.Contains("Resources.reco", StringComparison.Ordinal)).TakeLast(20)));
    }

    /// <summary>A stopped resource's proxy may still take connections for a moment: wait until MySQL really refuses.</summary>
    private static async Task WaitUntilUnreachableAsync(string connectionString, CancellationToken cancellationToken)
    {
        var quick = new MySqlConnector.MySqlConnectionStringBuilder(connectionString) { ConnectionTimeout = 1, Pooling = false }.ConnectionString;
        while (true)
        {
            try
            {
                await using var connection = new MySqlConnector.MySqlConnection(quick);
                await connection.OpenAsync(cancellationToken);
            }
            catch (MySqlConnector.MySqlException)
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Processes of this test's data directory, or whose environment carries the marker.</summary>
    private List<string> ProcessesOf(string marker)
        => LocalProcesses.All()
            .Where(p => p.Uses(_directory) || p.Environment.Contains(marker, StringComparison.Ordinal))
            .Select(p => $"{p.Pid}: {p.CommandLine}")
            .ToList();

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public void Dispose() => TestDirectories.Delete(_directory);
}
