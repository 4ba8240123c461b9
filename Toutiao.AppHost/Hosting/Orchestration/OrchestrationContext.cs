using System.Security.Cryptography;
using System.Text.Json;

namespace Toutiao.AppHost.Hosting.Orchestration;

/// <summary>Where the telemetry of the children goes, and the key it needs.</summary>
public sealed record TelemetrySettings(Uri OtlpGrpcEndpoint, Uri OtlpHttpEndpoint, string ApiKey);

/// <summary>What resources need while they start: places, secrets, telemetry and the environment Aspire would give them.</summary>
public sealed class OrchestrationContext(
    string appHostDirectory,
    string stateDirectory,
    string buildConfiguration,
    TelemetrySettings telemetry,
    PidRegistry pids)
{
    private readonly object _secretsGate = new();

    public string AppHostDirectory { get; } = appHostDirectory;

    public string StateDirectory { get; } = stateDirectory;

    public string BuildConfiguration { get; } = buildConfiguration;

    public TelemetrySettings Telemetry { get; } = telemetry;

    public PidRegistry Pids { get; } = pids;

    /// <summary>A secret kept in the git-ignored <c>{state}/secrets.json</c>, generated on first use.</summary>
    public string GetOrCreateSecret(string key)
    {
        lock (_secretsGate)
        {
            var path = Path.Combine(StateDirectory, "secrets.json");
            var secrets = File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []
                : [];
            if (!secrets.TryGetValue(key, out var value))
            {
                value = NewSecret();
                secrets[key] = value;
                Directory.CreateDirectory(StateDirectory);
                File.WriteAllText(path, JsonSerializer.Serialize(secrets, new JsonSerializerOptions { WriteIndented = true }));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            return value;
        }
    }

    public bool HasSecret(string key)
    {
        lock (_secretsGate)
        {
            var path = Path.Combine(StateDirectory, "secrets.json");
            return File.Exists(path)
                   && (JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []).ContainsKey(key);
        }
    }

    public static string NewSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    /// <summary>
    /// The environment of a project instance, named as Aspire names it: connection strings and
    /// service endpoints of its references, its URL, and the OpenTelemetry settings.
    /// </summary>
    public Dictionary<string, string> EnvironmentFor(Resource resource, ResourceInstance instance)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["OTEL_SERVICE_NAME"] = resource.Name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={instance.Name}-{NewSecret()[..8]}",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Telemetry.OtlpGrpcEndpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-otlp-api-key={Telemetry.ApiKey}",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EXCEPTION_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_EMIT_EVENT_LOG_ATTRIBUTES"] = "true",
            ["OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY"] = "in_memory",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["LOGGING__CONSOLE__FORMATTEROPTIONS__SINGLELINE"] = "true",
            ["LOGGING__CONSOLE__COLORBEHAVIOR"] = "Disabled",
        };

        foreach (var reference in resource.References)
        {
            if (reference is IResourceWithConnectionString withConnectionString)
            {
                environment[$"ConnectionStrings__{withConnectionString.Name}"] = withConnectionString.ConnectionString
                    ?? throw new DistributedApplicationException($"'{reference.Name}' has no connection string yet.");
            }

            if (reference is ProjectResource project)
            {
                for (var i = 0; i < project.Instances.Count; i++)
                {
                    environment[$"services__{project.Name}__http__{i}"] = project.Instances[i].Url!;
                }
            }
        }

        foreach (var (key, value) in resource.Environment)
        {
            environment[key] = value;
        }

        return environment;
    }
}
