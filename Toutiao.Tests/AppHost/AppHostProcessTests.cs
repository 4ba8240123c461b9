using System.Net.Http.Json;
using System.Text.Json;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.AppHost;

/// <summary>The real AppHost, started as a process exactly as a developer starts it.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class AppHostProcessTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("toutiao-apphost-e2e-").FullName;
    private readonly int _dashboardPort = Ports.Free();
    private readonly int _webPort = Ports.Free();
    private readonly int _recoPort = TwoFreePorts();
    private readonly string _token = Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Runs_the_whole_system_recovers_from_a_crash_and_leaves_nothing_behind()
    {
        // First run: everything comes up, the feed works, both Reco replicas serve.
        using var first = StartAppHost();
        var resources = await WaitUntilAllHealthyAsync(first);
        Assert.Equal(["redis", "mysql", "toutiao", "reco", "web"], resources.Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(2, Resource(resources, "reco").GetProperty("instances").GetArrayLength());

        using var web = new HttpClient { BaseAddress = new Uri(Url(resources, "web")) };
        Assert.Equal($"http://localhost:{_webPort}/", web.BaseAddress!.ToString());
        for (var reader = 0; reader < 8; reader++)
        {
            var page = await web.FeedAsync(0, Api.Now(), Api.NewAnonymousReader());
            Assert.Equal(10, page.ArticleIds().Count);
        }

        var recoConsole = await ConsoleAsync(first, "reco");
        Assert.Contains(recoConsole, l => l.Instance == "reco-0" && l.Text.Contains("Fresh page"));
        Assert.Contains(recoConsole, l => l.Instance == "reco-1" && l.Text.Contains("Fresh page"));

        // The console page follows both replicas with one cursor: what either prints next arrives.
        var cursor = recoConsole.Max(l => l.Number);
        for (var reader = 0; reader < 8; reader++)
        {
            await web.FeedAsync(0, Api.Now(), Api.NewAnonymousReader());
        }

        var next = await ConsoleAsync(first, "reco", cursor);
        Assert.All(next, l => Assert.True(l.Number > cursor));
        Assert.Contains(next, l => l.Instance == "reco-0" && l.Text.Contains("Fresh page"));
        Assert.Contains(next, l => l.Instance == "reco-1" && l.Text.Contains("Fresh page"));
        var firstPids = ProcessIds(resources);
        Assert.Equal(5, firstPids.Count);

        // Crash: kill -9 the AppHost alone; its children are orphaned, not stopped.
        first.Process.Kill(entireProcessTree: false);
        await first.Process.WaitForExitAsync();
        Assert.Contains(firstPids, IsAlive);

        // Second run cleans up what the first left behind, and keeps the database.
        using var second = StartAppHost();
        resources = await WaitUntilAllHealthyAsync(second);
        Assert.Contains("Stopped 5 processes left behind by a previous run", second.Output);
        Assert.DoesNotContain(firstPids, IsAlive);
        Assert.Contains(await ConsoleAsync(second, "toutiao"), l => l.Text.Contains("already holds the demo data"));
        Assert.Equal(10, (await web.FeedAsync(1, Api.Now())).ArticleIds().Count);
        Assert.Contains("Toutiao is up", second.Output);

        // SIGTERM: everything stops in order, nothing outlives the AppHost.
        var secondPids = ProcessIds(resources);
        ManagedProcess.SendTerm(second.Process.Id);
        await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, second.Process.ExitCode);
        Assert.DoesNotContain(secondPids, IsAlive);
        Assert.False(File.Exists(Path.Combine(_state, "apphost.pids")));
    }

    [Fact]
    public async Task A_busy_port_stops_the_apphost_with_one_clear_line()
    {
        using var busy = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, _webPort);
        busy.Start();
        using var host = StartAppHost();
        await host.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, host.Process.ExitCode);
        Assert.Contains($"error: Port {_webPort} for 'web' is already in use", host.Output);
        Assert.Contains("Ports:web", host.Output);
        Assert.DoesNotContain("   at ", host.Output);
    }

    private AppHostProcess StartAppHost() => AppHostProcess.Start(_state, _dashboardPort, _token,
        [$"--Ports:web={_webPort}", $"--Ports:reco={_recoPort}", "--Replicas:reco=2"],
        // Inherited by the children: Reco logs every page it serves, which shows which replica served.
        new Dictionary<string, string> { ["Logging__LogLevel__Toutiao.Reco.Recommend"] = "Debug" });

    private async Task<List<JsonElement>> WaitUntilAllHealthyAsync(AppHostProcess host)
    {
        using var dashboard = host.Dashboard();
        return await host.WaitUntilAllHealthyAsync(dashboard);
    }

    private static async Task<List<(string Instance, string Text, long Number)>> ConsoleAsync(AppHostProcess host, string resource, long after = 0)
    {
        using var client = host.Dashboard();
        await client.GetAsync($"/login?t={host.Token}");
        var lines = (await client.GetFromJsonAsync<List<JsonElement>>($"/api/resources/{resource}/console?after={after}"))!;
        return lines.Select(l => (l.GetProperty("instance").GetString()!, l.GetProperty("text").GetString()!, l.GetProperty("number").GetInt64())).ToList();
    }

    private static JsonElement Resource(List<JsonElement> resources, string name)
        => resources.Single(r => r.GetProperty("name").GetString() == name);

    private static string Url(List<JsonElement> resources, string name)
        => Resource(resources, name).GetProperty("instances")[0].GetProperty("url").GetString()!;

    private static List<int> ProcessIds(List<JsonElement> resources) => resources
        .SelectMany(r => r.GetProperty("instances").EnumerateArray())
        .Select(i => i.GetProperty("processId"))
        .Where(p => p.ValueKind == JsonValueKind.Number)
        .Select(p => p.GetInt32())
        .ToList();

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    private static int TwoFreePorts()
    {
        while (true)
        {
            var port = Ports.Free();
            try
            {
                Ports.EnsureFree(port + 1, "test", "test");
                return port;
            }
            catch (Toutiao.AppHost.Hosting.DistributedApplicationException)
            {
                // Try another pair.
            }
        }
    }

    public void Dispose() => TestAppHost.DeleteDirectory(_state);
}
