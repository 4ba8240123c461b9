using System.Net;
using System.Net.Sockets;
using OpenTelemetry.Trace;
using Toutiao.AppHost.Hosting;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.AppHost;

/// <summary>The AppHost's hosting model, driven in-process with real servers and processes.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class HostingModelTests(ToutiaoFixture fixture) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("toutiao-apphost-").FullName;

    [Fact]
    public async Task WaitFor_holds_a_resource_until_its_dependency_is_healthy()
    {
        var builder = TestAppHost.CreateBuilder(_state);
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("late", "sleep", null, "30").WaitFor(redis);
        await using var app = builder.BuildQuiet();

        await app.StartAsync();
        await app.WaitForResourceHealthyAsync("late").WaitAsync(TimeSpan.FromSeconds(30));

        var redisInstance = app.GetResource("redis").Instances[0];
        var late = app.GetResource("late").Instances[0];
        Assert.NotNull(redisInstance.HealthyAt);
        Assert.True(late.StartedAt >= redisInstance.HealthyAt, $"late started {late.StartedAt:O}, redis healthy {redisInstance.HealthyAt:O}");
    }

    [Fact]
    public async Task A_dependency_that_fails_to_start_fails_what_waits_for_it()
    {
        var builder = TestAppHost.CreateBuilder(_state);
        var broken = builder.AddExecutable("broken", "/nonexistent/program", null);
        builder.AddExecutable("dependent", "sleep", null, "30").WaitFor(broken);
        await using var app = builder.BuildQuiet();

        await app.StartAsync();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(
            () => app.WaitForResourceHealthyAsync("dependent").WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("broken", failure.Message);

        var dependent = app.GetResource("dependent").Instances[0];
        Assert.Equal(ResourceState.FailedToStart, dependent.State);
        Assert.Contains("'broken' is FailedToStart", dependent.Message);
        Assert.Null(dependent.ProcessId);
    }

    [Fact]
    public async Task A_dependency_that_exits_before_it_is_healthy_fails_what_waits_for_it()
    {
        var builder = TestAppHost.CreateBuilder(_state);
        var crashing = builder.AddExecutable("crashing", "sh", null, "-c", "sleep 1; exit 3")
            .WithHttpHealthCheck($"http://127.0.0.1:{Ports.Free()}/health");
        builder.AddExecutable("dependent", "sleep", null, "30").WaitFor(crashing);
        await using var app = builder.BuildQuiet();

        await app.StartAsync();
        var failure = await Assert.ThrowsAsync<DistributedApplicationException>(
            () => app.WaitForResourceHealthyAsync("dependent").WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("'crashing' is Exited: exited with code 3", failure.Message);

        var crashed = app.GetResource("crashing").Instances[0];
        Assert.Equal(ResourceState.Exited, crashed.State);
        Assert.Equal(3, crashed.ExitCode);
        Assert.Equal(ResourceState.FailedToStart, app.GetResource("dependent").Instances[0].State);
        Assert.Null(app.GetResource("dependent").Instances[0].ProcessId);
    }

    [Fact]
    public async Task A_busy_port_is_a_clear_error_naming_the_setting_that_moves_it()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;

        var dashboard = TestAppHost.CreateBuilder(_state, $"--Dashboard:Port={port}");
        await using (var app = dashboard.BuildQuiet())
        {
            var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());
            Assert.Contains($"Port {port}", error.Message);
            Assert.Contains("Dashboard:Port", error.Message);
        }

        var project = TestAppHost.CreateBuilder(_state);
        project.AddProject("web", "../Toutiao.Web").WithHttpEndpoint(port: port);
        await using (var app = project.BuildQuiet())
        {
            var error = await Assert.ThrowsAsync<DistributedApplicationException>(() => app.StartAsync());
            Assert.Contains($"Port {port}", error.Message);
            Assert.Contains("Ports:web", error.Message);
        }
    }

    [Fact]
    public void A_missing_server_binary_names_the_package_to_install()
    {
        var error = Assert.Throws<DistributedApplicationException>(() => Binaries.Find("redis-server-that-is-not-here", "redis-server"));
        Assert.Contains("apt-get install -y redis-server", error.Message);
    }

    [Fact]
    public async Task External_connection_strings_start_no_server_and_are_handed_on()
    {
        var builder = TestAppHost.CreateBuilder(_state,
            $"--ConnectionStrings:redis={fixture.Storage.RedisConnectionString}",
            $"--ConnectionStrings:toutiao={fixture.Storage.MySqlConnectionString}");
        var redis = builder.AddRedis("redis");
        var mysql = builder.AddMySql("mysql").AddDatabase("toutiao");
        builder.AddExecutable("client", "sh", null, "-c", "echo \"redis=$ConnectionStrings__redis\"; echo \"mysql=$ConnectionStrings__toutiao\"; sleep 30")
            .WithReference(redis).WithReference(mysql).WaitFor(redis).WaitFor(mysql);
        await using var app = builder.BuildQuiet();

        await app.StartAsync();
        await app.WaitForResourceHealthyAsync("client").WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Null(app.GetResource("redis").Instances[0].ProcessId);
        Assert.Equal(HealthStatus.Healthy, app.GetResource("toutiao").Health);
        Assert.False(app.GetResource("mysql").IsStarted);
        Assert.Empty(app.GetResource("mysql").Instances);

        var console = app.GetResource("client").Instances[0].Console;
        await WaitUntilAsync(() => console.Contains("mysql="));
        Assert.True(console.Contains($"redis={fixture.Storage.RedisConnectionString}"));
        Assert.True(console.Contains($"mysql={fixture.Storage.MySqlConnectionString}"));
    }

    [Fact]
    public async Task Health_probes_run_but_leave_no_spans_in_a_traced_process()
    {
        // As when the hosting model serves the tests: the services' tracing listens in the same process.
        var exported = new List<System.Diagnostics.Activity>();
        using var tracing = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddSource("MySqlConnector").AddInMemoryExporter(exported).Build();
        using var commands = new MySqlCommandCounter();
        var builder = TestAppHost.CreateBuilder(_state, $"--ConnectionStrings:toutiao={fixture.Storage.MySqlConnectionString}");
        builder.AddMySql("mysql").AddDatabase("toutiao");
        await using var app = builder.BuildQuiet();

        await app.StartAsync();
        await app.WaitForResourceHealthyAsync("toutiao").WaitAsync(TimeSpan.FromSeconds(30));
        tracing.ForceFlush();

        Assert.Contains("SELECT 1", commands.Statements);
        Assert.DoesNotContain(exported, s => s.SqlStatement() == "SELECT 1");
    }

    [Fact]
    public async Task Stopping_leaves_no_process_behind()
    {
        var builder = TestAppHost.CreateBuilder(_state);
        var redis = builder.AddRedis("redis");
        builder.AddExecutable("worker", "sleep", null, "60").WithReference(redis).WaitFor(redis);
        var app = builder.BuildQuiet();
        await app.StartAsync();
        await app.WaitForResourceHealthyAsync("worker").WaitAsync(TimeSpan.FromSeconds(30));
        var pids = app.Resources.SelectMany(r => r.Instances).Select(i => i.ProcessId!.Value).ToList();
        Assert.Equal(2, pids.Count);

        await app.DisposeAsync();
        Assert.All(pids, pid => Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} outlived the AppHost"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(50);
        }
    }

    public void Dispose() => TestAppHost.DeleteDirectory(_state);
}
