using Toutiao.AppHost.Hosting;
using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// A real redis-server and a real mariadbd, started by the AppHost's own hosting model on free
/// loopback ports, with their state in a private temp directory. Disposing stops both and
/// deletes the directory.
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

    public string RedisConnectionString => ConnectionString("redis");

    public string MySqlConnectionString => ConnectionString("toutiao");

    public static async Task<StorageServers> StartAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("toutiao-tests-").FullName;
        var builder = TestAppHost.CreateBuilder(directory);
        builder.AddRedis("redis");
        builder.AddMySql("mysql").AddDatabase("toutiao");
        var servers = new StorageServers(builder.BuildQuiet(), directory);
        try
        {
            await servers._application.StartAsync();
            await servers._application.WaitForResourceHealthyAsync("redis").WaitAsync(TimeSpan.FromSeconds(60));
            await servers._application.WaitForResourceHealthyAsync("toutiao").WaitAsync(TimeSpan.FromSeconds(60));
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    private string ConnectionString(string name)
        => ((IResourceWithConnectionString)_application.GetResource(name)).ConnectionString!;

    public async ValueTask DisposeAsync()
    {
        await _application.DisposeAsync();
        TestAppHost.DeleteDirectory(Directory);
    }
}

/// <summary>AppHost builders for tests: private state, free ports, quiet consoles, no project builds.</summary>
public static class TestAppHost
{
    public static DistributedApplicationBuilder CreateBuilder(string stateDirectory, params string[] settings)
        => DistributedApplication.CreateBuilder(
        [
            $"--AppHost:StateDirectory={stateDirectory}",
            $"--Dashboard:Port={Ports.Free()}",
            $"--Dashboard:OtlpGrpcPort={Ports.Free()}",
            $"--Dashboard:OtlpHttpPort={Ports.Free()}",
            "--AppHost:BuildProjects=false",
            "--AppHost:ShutdownGracePeriod=00:00:05",
            "--Logging:LogLevel:Default=Warning",
            .. settings,
        ]);

    public static DistributedApplication BuildQuiet(this DistributedApplicationBuilder builder)
    {
        var application = builder.Build();
        application.EchoConsole = false;
        return application;
    }

    public static void DeleteDirectory(string directory)
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
