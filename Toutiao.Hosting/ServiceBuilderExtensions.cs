using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

public static class ServiceBuilderExtensions
{
    /// <summary>
    /// A project that runs one command and exits (no endpoints): consumers use
    /// <c>WaitForCompletion</c>. A non-zero exit is reported in the AppHost's own log, since the
    /// consumers then never start.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddDatabaseInitializer<TProject>(this IDistributedApplicationBuilder builder, string name, params string[] args)
        where TProject : IProjectMetadata, new()
        => builder.AddProject<TProject>(name, options => options.ExcludeLaunchProfile = true)
            .WithArgs(args)
            .OnResourceStopped((resource, @event, _) =>
            {
                if (@event.ResourceEvent.Snapshot.ExitCode is { } exitCode and not 0)
                {
                    @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Toutiao.AppHost").LogError(
                        "The database initializer '{Initializer}' failed with exit code {ExitCode}: see its console in the dashboard. " +
                        "The services that wait for it will not start.", resource.Name, exitCode);
                }

                return Task.CompletedTask;
            });

    /// <summary>
    /// <paramref name="count"/> instances of a project, each a resource with an address of its own
    /// (<paramref name="name"/>, <c>{name}-2</c>, ...; <c>{name}-2</c> on the first one's port + 100,
    /// and so on), so that a caller can spread its calls over them (<see cref="WithReferences"/>):
    /// Aspire's replicas share one address, DCP's proxy, which spreads connections, not calls. None
    /// is behind a proxy: a stopped instance refuses connections, and a caller skips it, where a
    /// proxy would accept them and hold the calls. Only run mode: a deployment gets one resource of
    /// <paramref name="count"/> replicas, which its platform runs as pods behind a Service.
    /// </summary>
    /// <param name="randomPorts">Each instance on a free port of this machine (tests, several AppHosts at once).</param>
    /// <param name="port">The first instance's port, without its launch profile (the caller sets its environment); without it, the launch profile's.</param>
    public static IReadOnlyList<IResourceBuilder<ProjectResource>> AddProjectInstances<TProject>(
        this IDistributedApplicationBuilder builder, string name, int count, bool randomPorts, int? port = null)
        where TProject : IProjectMetadata, new()
    {
        if (count < 1)
        {
            var message = $"Replicas of {name} is {count}: at least 1.";
            builder.Eventing.Subscribe<BeforeStartEvent>((_, _) => throw new DistributedApplicationException(message));
            count = 1;
        }

        var first = port is { } fixedPort
            ? builder.AddProject<TProject>(name, options => options.ExcludeLaunchProfile = true).WithHttpEndpoint(port: fixedPort, name: "http", isProxied: false)
            : builder.AddProject<TProject>(name);
        if (!builder.ExecutionContext.IsRunMode)
        {
            return [first.WithEndpoint("http", endpoint => endpoint.IsProxied = count > 1).WithReplicas(count)];
        }

        var firstPort = first.Resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").Port
            ?? throw new InvalidOperationException($"{name} has no port for its instances to count from.");
        first.WithEndpoint("http", endpoint => Listen(endpoint, randomPorts ? FreePort() : firstPort));
        var instances = new List<IResourceBuilder<ProjectResource>> { first };
        for (var i = 2; i <= count; i++)
        {
            var instancePort = randomPorts ? FreePort() : firstPort + (100 * (i - 1));
            instances.Add(builder.AddProject<TProject>(InstanceName(name, i), options => options.ExcludeLaunchProfile = true)
                .WithHttpEndpoint(name: "http")
                .WithEndpoint("http", endpoint => Listen(endpoint, instancePort))
                // What the launch profile gives the first (run mode is development).
                .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development"));
        }

        return instances;

        static void Listen(EndpointAnnotation endpoint, int at)
        {
            endpoint.IsProxied = false;
            endpoint.Port = at;
            endpoint.TargetPort = at;
        }
    }

    /// <summary>
    /// A port no process holds now; the instance binds it seconds later. Picked below Linux's ephemeral
    /// range (32768 and up): the OS's own pick came from that range, where the machine's outgoing
    /// connections take their local ports too, and one took an instance's port before it started
    /// (CI, 2026-12-07: "address already in use", and the app never became healthy).
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = Random.Shared.Next(15_000, 32_000);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException) when (attempt < 100)
            {
                // Held: another.
            }
        }
    }

    /// <summary>Whether <paramref name="resource"/> is one of <see cref="AddProjectInstances"/>' instances of <paramref name="name"/>.</summary>
    public static bool IsInstanceOf(string resource, string name)
        => resource == name || (resource.StartsWith(name + "-", StringComparison.Ordinal) && int.TryParse(resource.AsSpan(name.Length + 1), out var i) && i >= 2);

    private static string InstanceName(string name, int instance) => $"{name}-{instance}";

    /// <summary>
    /// Service discovery of every instance under the first one's name: <c>services__{name}__http__0</c>,
    /// <c>__1</c>, ... (<c>WithReference</c> would name each after its own resource).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReferences(this IResourceBuilder<ProjectResource> consumer, IReadOnlyList<IResourceBuilder<ProjectResource>> instances)
    {
        consumer.WithReference(instances[0]);
        for (var i = 1; i < instances.Count; i++)
        {
            consumer.WithEnvironment($"services__{instances[0].Resource.Name}__http__{i}", instances[i].GetEndpoint("http"));
        }

        return consumer;
    }

    /// <summary>
    /// Records <paramref name="ratio"/> of the traces that start in this service and follows its
    /// callers' choice for the rest (OpenTelemetry's <c>parentbased_traceidratio</c>), instead of
    /// Aspire's every trace: exporting to the dashboard costs the services and the dashboard that
    /// much less, and a trace is still whole from Web through Reco. 1 leaves Aspire's default.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithTraceSampleRatio(this IResourceBuilder<ProjectResource> builder, double ratio)
    {
        if (ratio is < 0 or > 1 || double.IsNaN(ratio))
        {
            // At start, where the AppHost reports it in one sentence.
            var message = $"Tracing:SampleRatio is {ratio}: it must be between 0 and 1.";
            builder.ApplicationBuilder.Eventing.Subscribe<BeforeStartEvent>((_, _) => throw new DistributedApplicationException(message));
            return builder;
        }

        // After Aspire's own callback, which sets OTEL_TRACES_SAMPLER=always_on.
        return ratio == 1 ? builder : builder.WithEnvironment(context =>
        {
            context.EnvironmentVariables["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio";
            context.EnvironmentVariables["OTEL_TRACES_SAMPLER_ARG"] = ratio.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    /// <summary>
    /// A health check of a gRPC service over h2c: its Kestrel speaks HTTP/2 only (plaintext gRPC has
    /// no ALPN), so the standard HTTP health check, which sends HTTP/1.1, cannot ask it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithH2cHealthCheck(this IResourceBuilder<ProjectResource> builder, string path, string endpointName = "http")
    {
        var endpoint = builder.Resource.GetEndpoint(endpointName);
        var key = $"{builder.Resource.Name}_{endpointName}_h2c_{path}";
        var client = new HttpClient
        {
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(5),
        };
        builder.ApplicationBuilder.Services.AddHealthChecks().AddAsyncCheck(key, async cancellationToken =>
        {
            try
            {
                using var response = await client.GetAsync(new Uri(new Uri(endpoint.Url), path), cancellationToken);
                return response.IsSuccessStatusCode
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        });
        return builder.WithHealthCheck(key);
    }
}
