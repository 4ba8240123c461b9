using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Aspire.Hosting;

/// <summary>How a Redis server treats memory and restarts; configuration section <c>Redis:{name}</c> overrides it.</summary>
public sealed class RedisServerSettings
{
    /// <summary>redis.conf <c>maxmemory</c>: the most the server may hold, e.g. <c>512mb</c>.</summary>
    public string MaxMemory { get; set; } = "256mb";

    /// <summary>
    /// redis.conf <c>maxmemory-policy</c>: <c>noeviction</c> (at the limit writes fail, nothing is
    /// lost) for data that exists nowhere else, <c>allkeys-lru</c> for data that can be rebuilt or forgotten.
    /// </summary>
    public string MaxMemoryPolicy { get; set; } = "noeviction";

    /// <summary>Keep the data across restarts in an append-only file (fsync once a second).</summary>
    public bool AppendOnly { get; set; } = true;
}

public static class RedisServerBuilderExtensions
{
    /// <summary>
    /// Adds Redis. In run mode a local <c>redis-server</c> process (no container runtime here) with a
    /// password from the <c>{name}-password</c> parameter, its data in a directory kept between runs,
    /// the memory limit and policy of <paramref name="settings"/>, and a PING health check. In
    /// publish mode Aspire's own Redis container resource under the same name, so the manifest names
    /// a deployable <c>container.v0</c> (its memory settings belong to the deployment).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name,
        RedisServerSettings? settings = null)
    {
        settings ??= new RedisServerSettings();
        builder.Configuration.GetSection($"Redis:{name}").Bind(settings);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRedis(name, password: builder.CreateResourceBuilder(password));
        }

        var redis = new RedisServerResource(name, LocalServer.RequireBinary(builder, "redis-server", "redis-server"),
            LocalServer.DataDirectory(builder, name), password);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(redis, async (_, cancellationToken) =>
            connectionString = await ((IResourceWithConnectionString)redis).GetConnectionStringAsync(cancellationToken));
        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().AddRedis(_ => connectionString ?? throw new InvalidOperationException("The Redis connection string is not available yet."), healthCheckKey);

        return builder.AddResource(redis)
            .WithEndpoint(name: RedisServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithIconName("Database")
            // The password goes into a config file readable only by its owner: DCP logs every argument.
            .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
            {
                LocalServer.CreatePrivateDirectory(resource.DataDirectory);
                var secret = await resource.PasswordParameter.GetValueAsync(cancellationToken);
                await LocalServer.WriteSecretFileAsync(resource.ConfigFile, string.Join('\n',
                [
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    $"requirepass {LocalServer.ConfigQuoted(secret ?? "")}",
                    $"dir {LocalServer.ConfigQuoted(resource.DataDirectory)}",
                    $"maxmemory {settings.MaxMemory}",
                    $"maxmemory-policy {settings.MaxMemoryPolicy}",
                    settings.AppendOnly ? "appendonly yes" : "appendonly no",
                    "appendfsync everysec",
                    "save \"\"",
                    "daemonize no",
                    "",
                ]), cancellationToken);
            })
            .WithArgs(context =>
            {
                context.Args.Add(redis.ConfigFile);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            })
            .WithHealthCheck(healthCheckKey);
    }
}
