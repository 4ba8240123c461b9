using System.Net;
using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.AppHost.Hosting;

/// <summary>
/// A .NET project of this repository, built once and started as <c>dotnet {dll}</c> from its own
/// directory (so it finds its appsettings), one process per replica, each on its own port:
/// the configured port plus the replica number. Health is its <c>/health</c> endpoint.
/// </summary>
public sealed class ProjectResource(string name, string projectFile) : Resource(name)
{
    public override string Type => "Project";

    public string ProjectFile { get; } = projectFile;

    public string ProjectDirectory => Path.GetDirectoryName(ProjectFile)!;

    public string AssemblyName => Path.GetFileNameWithoutExtension(ProjectFile);

    public int Replicas { get; set; } = 1;

    /// <summary>Port of replica 0; <c>Ports:{name}</c> in configuration overrides it.</summary>
    public int? HttpPort { get; set; }

    /// <summary>Plaintext HTTP/2 only (gRPC): Kestrel is told so and health checks speak HTTP/2 with prior knowledge.</summary>
    public bool Http2 { get; set; }

    internal override int ReplicaCount => Replicas;

    internal string DllPath(OrchestrationContext context)
        => Path.Combine(ProjectDirectory, "bin", context.BuildConfiguration, "net10.0", AssemblyName + ".dll");

    /// <summary>Builds the project (incremental: cheap when nothing changed).</summary>
    internal async Task BuildAsync(OrchestrationContext context, ConsoleLog console, CancellationToken cancellationToken)
    {
        var build = ManagedProcess.Start("dotnet",
            ["build", ProjectFile, "-c", context.BuildConfiguration, "-nologo", "-v", "q", "-clp:NoSummary"], console,
            new Dictionary<string, string> { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" });
        var exitCode = await build.Exited.WaitAsync(cancellationToken);
        if (exitCode != 0)
        {
            var tail = string.Join(System.Environment.NewLine, console.Since().TakeLast(15).Select(l => l.Text));
            throw new DistributedApplicationException($"Building {AssemblyName} failed (exit code {exitCode}):{System.Environment.NewLine}{tail}");
        }
    }

    /// <summary>Runs the built project with arguments (a command such as initialize-database), output into <paramref name="console"/>.</summary>
    internal ManagedProcess StartCommand(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, ConsoleLog console, OrchestrationContext context)
    {
        var withDefaults = new Dictionary<string, string>(environment)
        {
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        };
        return ManagedProcess.Start("dotnet", [DllPath(context), .. arguments], console, withDefaults, ProjectDirectory);
    }

    internal override Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken)
    {
        var environment = context.EnvironmentFor(this, instance);
        environment["ASPNETCORE_URLS"] = instance.Url!;
        if (Http2)
        {
            environment["Kestrel__EndpointDefaults__Protocols"] = "Http2";
        }

        instance.Environment = environment;
        instance.Process = ManagedProcess.Start("dotnet", [DllPath(context)], instance.Console, environment, ProjectDirectory);
        return Task.CompletedTask;
    }

    internal override async Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(instance.Url!), "/health"))
        {
            Version = Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await HealthClient.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    internal static readonly HttpClient HealthClient = new() { Timeout = TimeSpan.FromSeconds(5) };
}

/// <summary>Any program: started with its arguments; Healthy while it runs, or while its health URL answers 2xx when it has one.</summary>
public sealed class ExecutableResource(string name, string command, string[] arguments, string? workingDirectory) : Resource(name)
{
    public override string Type => "Executable";

    public string Command { get; } = command;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public Uri? HealthCheckUrl { get; set; }

    internal override Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken)
    {
        var environment = context.EnvironmentFor(this, instance);
        instance.Environment = environment;
        instance.Process = ManagedProcess.Start(Command, Arguments, instance.Console, environment, workingDirectory);
        return Task.CompletedTask;
    }

    internal override async Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        if (instance.Process is not { HasExited: false })
        {
            return false;
        }

        if (HealthCheckUrl is null)
        {
            return true;
        }

        using var response = await ProjectResource.HealthClient.GetAsync(HealthCheckUrl, cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
