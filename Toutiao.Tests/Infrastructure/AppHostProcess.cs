using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// The real AppHost started as a process, as a developer starts it: its output is kept, and a
/// test that leaves it running has it stopped (SIGTERM, then killed with its tree).
/// </summary>
public sealed class AppHostProcess : IDisposable
{
    private readonly StringBuilder _output = new();

    private AppHostProcess(Process process, int dashboardPort, string token)
    {
        Process = process;
        DashboardPort = dashboardPort;
        Token = token;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public int DashboardPort { get; }

    public string Token { get; }

    public string Output
    {
        get { lock (_output) { return _output.ToString(); } }
    }

    /// <summary>Starts the AppHost with private state, a known dashboard port and token, and the given settings.</summary>
    public static AppHostProcess Start(string stateDirectory, int dashboardPort, string token,
        IEnumerable<string> settings, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll());
        foreach (var setting in new[]
                 {
                     $"--AppHost:StateDirectory={stateDirectory}", $"--Dashboard:Port={dashboardPort}", $"--Dashboard:Token={token}",
                     $"--Dashboard:OtlpGrpcPort={Ports.Free()}", $"--Dashboard:OtlpHttpPort={Ports.Free()}",
                 }.Concat(settings))
        {
            info.ArgumentList.Add(setting);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return new AppHostProcess(Process.Start(info)!, dashboardPort, token);
    }

    /// <summary>A browser-like client of the dashboard: keeps the session cookie the login link sets.</summary>
    public HttpClient Dashboard() => new(new HttpClientHandler { CookieContainer = new CookieContainer() })
    {
        BaseAddress = new Uri($"http://localhost:{DashboardPort}"),
    };

    /// <summary>Logs in and waits until every resource is Running and Healthy; fails fast when one fails or the AppHost exits.</summary>
    public async Task<List<JsonElement>> WaitUntilAllHealthyAsync(HttpClient dashboard)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            Assert.False(Process.HasExited, $"The AppHost exited:\n{Output}");
            try
            {
                await dashboard.GetAsync($"/login?t={Token}");
                var resources = (await dashboard.GetFromJsonAsync<List<JsonElement>>("/api/resources"))!;
                if (resources.All(r => r.GetProperty("state").GetString() == "Running" && r.GetProperty("health").GetString() == "Healthy"))
                {
                    return resources;
                }

                Assert.DoesNotContain(resources, r => r.GetProperty("state").GetString() is "FailedToStart");
            }
            catch (HttpRequestException)
            {
                // The dashboard is not up yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"Not healthy within 3 minutes:\n{Output}");
            await Task.Delay(250);
        }
    }

    public static string Dll()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Toutiao.sln")))
        {
            directory = directory.Parent;
        }

#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        return Path.Combine(directory!.FullName, "Toutiao.AppHost", "bin", configuration, "net10.0", "Toutiao.AppHost.dll");
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            ManagedProcess.SendTerm(Process.Id);
            if (!Process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                Process.Kill(entireProcessTree: true);
            }
        }

        Process.Dispose();
    }
}
