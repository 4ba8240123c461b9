using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toutiao.AppHost.Dashboard;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.AppHost.Telemetry;

namespace Toutiao.AppHost.Hosting;

/// <summary>
/// The running application: cleans up after a crashed previous run, checks its ports, builds the
/// projects once, serves the dashboard and telemetry endpoints, starts every resource in
/// dependency order, and on Ctrl+C or SIGTERM stops them in reverse order.
/// </summary>
public sealed partial class DistributedApplication : IAsyncDisposable
{
    private readonly WebApplication _host;
    private readonly Orchestrator _orchestrator;
    private readonly OrchestrationContext _context;
    private readonly ILogger _logger;
    private readonly TimeSpan _grace;
    private readonly bool _buildProjects;
    private readonly int _dashboardPort;
    private readonly int _otlpGrpcPort;
    private readonly int _otlpHttpPort;
    private readonly DashboardAuth _auth;
    private bool _started;
    private bool _stopped;

    internal DistributedApplication(DistributedApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        _dashboardPort = configuration.GetValue("Dashboard:Port", 18888);
        _otlpGrpcPort = configuration.GetValue("Dashboard:OtlpGrpcPort", 18889);
        _otlpHttpPort = configuration.GetValue("Dashboard:OtlpHttpPort", 18890);
        _grace = configuration.GetValue("AppHost:ShutdownGracePeriod", TimeSpan.FromSeconds(10));
        _buildProjects = configuration.GetValue("AppHost:BuildProjects", true);
        var stateDirectory = Path.GetFullPath(configuration["AppHost:StateDirectory"] ?? Path.Combine(builder.AppHostDirectory, ".toutiao"));

        Resources = builder.Resources;
        foreach (var resource in Resources)
        {
            resource.Instances = resource.IsStarted
                ? Enumerable.Range(0, resource.ReplicaCount).Select(i => new ResourceInstance(resource, i)).ToList()
                : [];
            if (resource is ProjectResource project)
            {
                var port = configuration.GetValue<int?>($"Ports:{project.Name}") ?? project.HttpPort ?? Ports.Free();
                foreach (var instance in project.Instances)
                {
                    instance.Port = port + instance.Replica;
                    instance.Url = $"http://localhost:{instance.Port}";
                }
            }
        }

        var telemetry = new TelemetrySettings(
            new Uri($"http://localhost:{_otlpGrpcPort}"), new Uri($"http://localhost:{_otlpHttpPort}"), OrchestrationContext.NewSecret());
        _context = new OrchestrationContext(builder.AppHostDirectory, stateDirectory,
#if DEBUG
            "Debug",
#else
            "Release",
#endif
            telemetry, new PidRegistry(stateDirectory));

        // Loopback unless Dashboard:BindAddress says otherwise: the dashboard shows secrets and controls processes.
        var bindAddress = configuration["Dashboard:BindAddress"] is { Length: > 0 } bind ? IPAddress.Parse(bind) : IPAddress.Loopback;
        builder.Host.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(bindAddress, _dashboardPort);
            kestrel.Listen(bindAddress, _otlpGrpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(bindAddress, _otlpHttpPort);
        });
        _auth = new DashboardAuth(configuration["Dashboard:Token"] ?? OrchestrationContext.NewSecret());
        builder.Host.Services.AddSingleton(this);
        builder.Host.Services.AddSingleton(_auth);
        builder.Host.Services.AddSingleton<TelemetryStore>();
        builder.Host.Services.AddSingleton(new OtlpApiKey(telemetry.ApiKey));
        builder.Host.Services.AddSingleton<OtlpApiKeyInterceptor>();
        builder.Host.Services.AddGrpc(options => options.Interceptors.Add<OtlpApiKeyInterceptor>());
        _host = builder.Host.Build();
        _host.UseDashboardLogin(_dashboardPort, _auth);
        _host.MapDashboard($"*:{_dashboardPort}");
        _host.MapGrpcService<TraceIntake>().RequireHost($"*:{_otlpGrpcPort}");
        _host.MapGrpcService<LogsIntake>().RequireHost($"*:{_otlpGrpcPort}");
        _host.MapGrpcService<MetricsIntake>().RequireHost($"*:{_otlpGrpcPort}");
        _host.MapOtlpHttp($"*:{_otlpHttpPort}");

        _logger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Toutiao.AppHost");
        _orchestrator = new Orchestrator(Resources, _context, _logger);
        foreach (var instance in Resources.SelectMany(r => r.Instances))
        {
            var prefix = $"[{instance.Name}] ";
            instance.Console.LineAdded += line => Echo(prefix, line);
        }
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public IReadOnlyList<Resource> Resources { get; }

    public Uri DashboardUrl => new($"http://localhost:{_dashboardPort}");

    /// <summary>The link that logs a browser in (printed once at start).</summary>
    public Uri DashboardLoginUrl => new($"http://localhost:{_dashboardPort}/login?t={_auth.Token}");

    /// <summary>What the services sent over OTLP.</summary>
    public TelemetryStore Telemetry => _host.Services.GetRequiredService<TelemetryStore>();

    public Task StopResourceAsync(Resource resource) => _orchestrator.StopResourceAsync(resource, _grace);

    public void StartResource(Resource resource) => _orchestrator.StartResource(resource);

    public TelemetrySettings TelemetrySettings => _context.Telemetry;

    /// <summary>When false, children's console lines are kept but not echoed (tests).</summary>
    public bool EchoConsole { get; set; } = true;

    public Resource GetResource(string name)
        => Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase))
           ?? throw new DistributedApplicationException($"There is no resource named '{name}'.");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        Directory.CreateDirectory(_context.StateDirectory);
        var leftovers = await _context.Pids.CleanUpPreviousRunAsync(_grace);
        if (leftovers > 0)
        {
            LogCleanedUp(leftovers);
        }

        foreach (var resource in Resources.Where(r => r.IsStarted))
        {
            resource.Preflight();
        }

        CheckPorts();
        if (_buildProjects)
        {
            await BuildProjectsAsync(cancellationToken);
        }

        await _host.StartAsync(cancellationToken);
        _orchestrator.Start();
    }

    /// <summary>Completes when the resource is Running and Healthy; throws when it failed or exited instead.</summary>
    public Task WaitForResourceHealthyAsync(string name, CancellationToken cancellationToken = default)
        => Orchestrator.WaitForAsync(GetResource(name), healthy: true, cancellationToken);

    public async Task StopAsync()
    {
        if (!_started || _stopped)
        {
            return;
        }

        _stopped = true;
        await _orchestrator.StopAsync(_grace);
        await _host.StopAsync();
    }

    /// <summary>Starts everything, prints where it is, and runs until Ctrl+C or SIGTERM.</summary>
    public async Task<int> RunAsync()
    {
        var lifetime = _host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await StartAsync(lifetime.ApplicationStopping);
            _ = PrintSummaryWhenSettledAsync(lifetime.ApplicationStopping);
            await Task.Delay(Timeout.Infinite, lifetime.ApplicationStopping).ContinueWith(_ => { }, TaskScheduler.Default);
            LogStopping();
            return 0;
        }
        finally
        {
            await StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _host.DisposeAsync();
    }

    private void CheckPorts()
    {
        Ports.EnsureFree(_dashboardPort, "the dashboard", "Dashboard:Port");
        Ports.EnsureFree(_otlpGrpcPort, "OTLP/gRPC", "Dashboard:OtlpGrpcPort");
        Ports.EnsureFree(_otlpHttpPort, "OTLP/HTTP", "Dashboard:OtlpHttpPort");
        foreach (var project in Resources.OfType<ProjectResource>())
        {
            foreach (var instance in project.Instances)
            {
                Ports.EnsureFree(instance.Port!.Value, $"'{instance.Name}'", $"Ports:{project.Name}");
            }
        }
    }

    private async Task BuildProjectsAsync(CancellationToken cancellationToken)
    {
        var projects = Resources.OfType<ProjectResource>().Where(p => p.IsStarted)
            .Select(p => (Project: p, Console: p.Instances[0].Console))
            .Concat(Resources.OfType<MySqlDatabaseResource>().Where(d => d.Initializer is not null && d.IsStarted)
                .Select(d => (Project: d.Initializer!.Value.Project, Console: d.Instances[0].Console)))
            .DistinctBy(p => p.Project.ProjectFile);
        foreach (var (project, console) in projects)
        {
            LogBuilding(project.AssemblyName);
            await project.BuildAsync(_context, console, cancellationToken);
        }
    }

    private async Task PrintSummaryWhenSettledAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        await Task.WhenAll(Resources.Where(r => r.IsStarted).Select(async r =>
        {
            try
            {
                await Orchestrator.WaitForAsync(r, healthy: true, timeout.Token);
            }
            catch (Exception ex) when (ex is DistributedApplicationException or OperationCanceledException)
            {
                // Shown in the summary as it is.
            }
        }));

        if (!cancellationToken.IsCancellationRequested)
        {
            Console.Out.Write(Summary());
        }
    }

    /// <summary>One short block: every resource with its state and URL, and the dashboard.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("Toutiao is up. Ctrl+C stops everything.");
        foreach (var resource in Resources)
        {
            foreach (var instance in resource.Instances.DefaultIfEmpty())
            {
                var name = instance?.Name ?? resource.Name;
                var state = instance?.State ?? ResourceState.NotStarted;
                var health = instance?.Health?.ToString() ?? "";
                var detail = instance?.Message ?? (resource.IsStarted ? "" : "not needed: external connection string");
                text.AppendLine($"  {name,-14} {resource.Type,-24} {state,-13} {health,-9} {instance?.Url ?? ""} {detail}".TrimEnd());
            }
        }

        text.AppendLine($"  Dashboard:     {DashboardLoginUrl}");
        text.AppendLine($"  OTLP:          {_context.Telemetry.OtlpGrpcEndpoint} (gRPC), {_context.Telemetry.OtlpHttpEndpoint} (HTTP)");
        text.AppendLine();
        return text.ToString();
    }

    private readonly object _echoGate = new();

    private void Echo(string prefix, ConsoleLine line)
    {
        if (!EchoConsole)
        {
            return;
        }

        lock (_echoGate)
        {
            var writer = line.IsError ? Console.Error : Console.Out;
            writer.WriteLine($"{line.Timestamp.ToLocalTime():HH:mm:ss} {prefix}{line.Text}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped {Count} processes left behind by a previous run")]
    private partial void LogCleanedUp(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Building {Project}")]
    private partial void LogBuilding(string project);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping all resources")]
    private partial void LogStopping();
}
