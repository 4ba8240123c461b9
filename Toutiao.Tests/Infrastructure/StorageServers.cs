extern alias apphost;

using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Projects = apphost::Projects;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// Two real redis-servers (<c>redis</c>, <c>cache</c>) and a real mariadbd, started by DCP through the AppHost's own resource
/// definitions (the same code <c>./toutiao run</c> uses) on free loopback ports, with their data in
/// a private temp directory. Disposing stops them and deletes the directory.
/// </summary>
public sealed class StorageServers : IAsyncDisposable
{
    private readonly DistributedApplication _application;

    private StorageServers(DistributedApplication application, string directory)
    {
        _application = application;
        Directory = directory;
    }

    public string Directory { get; }

    public string RedisConnectionString { get; private set; } = "";

    public string CacheConnectionString { get; private set; } = "";

    /// <summary>As root: the initializer's account, and the tests' own (they arrange data and schema).</summary>
    public string MySqlConnectionString { get; private set; } = "";

    /// <summary>Web's own account (data on the app's tables only), as the AppHost gives it.</summary>
    public string WebMySqlConnectionString { get; private set; } = "";

    /// <summary>Reco's own account (data on the app's tables only), as the AppHost gives it.</summary>
    public string RecoMySqlConnectionString { get; private set; } = "";

    /// <summary>Starts the servers; <paramref name="arguments"/> are further AppHost settings (<c>--MySql:ReadReplicas=1</c>).</summary>
    public static async Task<StorageServers> StartAsync(params string[] arguments)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("toutiao-tests-").FullName;
        // As long as an app fixture gets: a Redis Cluster's twelve nodes start in about 30 s alone,
        // and once took over 90 s beside another fixture's start in CI (2026-12-07).
        using var timeout = new CancellationTokenSource(Toutiao.Tests.AppHost.ToutiaoAppFixture.StartTimeout);
        // The real app model, less its projects: the tests host Reco and Web themselves.
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            [$"--AppHost:DataDirectory={directory}", .. arguments], timeout.Token);
        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(project);
        }

        var servers = new StorageServers(await builder.BuildAsync(timeout.Token), directory);
        try
        {
            await servers._application.StartAsync(timeout.Token);
            await servers._application.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
            await servers._application.ResourceNotifications.WaitForResourceHealthyAsync("cache", timeout.Token);
            await servers._application.ResourceNotifications.WaitForResourceHealthyAsync("toutiao", timeout.Token);
            servers.RedisConnectionString = (await servers._application.GetConnectionStringAsync("redis", timeout.Token))!;
            servers.CacheConnectionString = (await servers._application.GetConnectionStringAsync("cache", timeout.Token))!;
            servers.MySqlConnectionString = (await servers._application.GetConnectionStringAsync("toutiao", timeout.Token))!;
            // Healthy: the init file created them and they can log in.
            servers.WebMySqlConnectionString = await servers.HealthyConnectionStringAsync("toutiao-web", TimeSpan.FromSeconds(30));
            servers.RecoMySqlConnectionString = await servers.HealthyConnectionStringAsync("toutiao-reco", TimeSpan.FromSeconds(30));
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    /// <summary>The AppHost's resources, for what the tests do to one server (a cluster node, say) beside the app model.</summary>
    public DistributedApplicationModel Model => _application.Services.GetRequiredService<DistributedApplicationModel>();

    /// <summary>The resources' states and health reports, as the dashboard shows them.</summary>
    public ResourceNotificationService Notifications => _application.ResourceNotifications;

    /// <summary>The connection string of a resource that <c>arguments</c> added, once it is healthy.</summary>
    public async Task<string> HealthyConnectionStringAsync(string resource, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _application.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellation.Token);
        return await _application.GetConnectionStringAsync(resource, cancellation.Token)
               ?? throw new InvalidOperationException($"{resource} has no connection string.");
    }

    /// <summary>Stops a server (<c>redis</c>, <c>mysql</c>) through the app model, as the dashboard's stop button does.</summary>
    public async Task StopAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await _application.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StopCommand, timeout.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Stopping {resource} failed: {result.Message}");
        }

        await _application.ResourceNotifications.WaitForResourceAsync(resource,
            e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
    }

    /// <summary>Starts a stopped server again, with its data directory as it was, and waits until it is healthy.</summary>
    public async Task StartAsync(string resource)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var result = await _application.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, timeout.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException($"Starting {resource} failed: {result.Message}");
        }

        await _application.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _application.DisposeAsync();
        TestDirectories.Delete(Directory);
    }
}

public static class TestDirectories
{
    public static void Delete(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A server may hold a file for a moment longer; temp is cleaned by the OS eventually.
        }
    }
}
