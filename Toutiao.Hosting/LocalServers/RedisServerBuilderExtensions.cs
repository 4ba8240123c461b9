using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aspire.Hosting;

/// <summary>How a Redis server treats memory and restarts; configuration section <c>Redis:{name}</c> overrides it.</summary>
public sealed class RedisServerSettings
{
    /// <summary>redis.conf <c>maxmemory</c>: the most the server (each node of a cluster) may hold, e.g. <c>512mb</c>.</summary>
    public string MaxMemory { get; set; } = "256mb";

    /// <summary>
    /// redis.conf <c>maxmemory-policy</c>: <c>noeviction</c> (at the limit writes fail, nothing is
    /// lost) for data that exists nowhere else, <c>allkeys-lru</c> for data that can be rebuilt or forgotten.
    /// </summary>
    public string MaxMemoryPolicy { get; set; } = "noeviction";

    /// <summary>Keep the data across restarts in an append-only file (fsynced as <see cref="AppendFsync"/> says).</summary>
    public bool AppendOnly { get; set; } = true;

    /// <summary>
    /// redis.conf <c>appendfsync</c>: <c>everysec</c> (the default: redis-server stopped or killed
    /// loses nothing, the machine failing loses up to about the last second of acknowledged writes)
    /// or <c>always</c> (nothing acknowledged is lost; every write waits for the disk), or <c>no</c>.
    /// </summary>
    public string AppendFsync { get; set; } = "everysec";

    /// <summary>
    /// The single server's port (<c>Redis:Topology=single</c>), listened on by redis-server itself:
    /// DCP's proxy in front of it cost ~75 µs of CPU per feed page (two Redis round trips) and a hop
    /// each way. 0, and always when ports are randomized (tests: several AppHosts at once), picks a
    /// free port behind DCP's proxy, which keeps it across a restart of the server.
    /// </summary>
    public int Port { get; set; }

    /// <summary>
    /// With <c>Redis:Topology=cluster</c>: the first of the six nodes' ports of a new cluster (the
    /// cluster bus uses each port + 10000); 0, and always when ports are randomized (tests), picks
    /// free ones. A cluster keeps the ports it was created with (the nodes remember each other by address).
    /// </summary>
    public int FirstClusterPort { get; set; }

    /// <summary>
    /// With <c>Redis:Topology=cluster</c>: redis.conf <c>cluster-node-timeout</c>, how long a master
    /// may be unreachable before its replica takes over. Redis's default is 15 s; failover takes about this long.
    /// </summary>
    public int ClusterNodeTimeoutMilliseconds { get; set; } = 5000;
}

public static class RedisServerBuilderExtensions
{
    /// <summary>Masters of a local cluster; each gets one replica.</summary>
    public const int ClusterMasters = 3;

    /// <summary>
    /// Adds Redis. In run mode local <c>redis-server</c> processes (no container runtime here) with a
    /// password from the <c>{name}-password</c> parameter, data in directories kept between runs, the
    /// memory limit and policy of <paramref name="settings"/>, and health checks. <c>Redis:Topology</c>
    /// chooses the shape: <c>single</c> (the default), one server; <c>cluster</c>, a Redis Cluster of
    /// three masters and three replicas (see <see cref="AddRedisCluster"/>). Either way consumers get
    /// one connection string under <paramref name="name"/>. In publish mode Aspire's own Redis
    /// container resource under the same name, so the manifest names a deployable <c>container.v0</c>
    /// (its memory settings and topology belong to the deployment).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisServer(this IDistributedApplicationBuilder builder, string name,
        RedisServerSettings? settings = null)
    {
        settings ??= new RedisServerSettings();
        builder.Configuration.GetSection($"Redis:{name}").Bind(settings);
        if (settings.AppendFsync is not ("everysec" or "always" or "no"))
        {
            throw new DistributedApplicationException($"Redis:{name}:AppendFsync is '{settings.AppendFsync}': use everysec (the default), always or no.");
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddRedis(name, password: builder.CreateResourceBuilder(password));
        }

        return builder.Configuration["Redis:Topology"] switch
        {
            null or "" or "single" => builder.AddSingleRedisServer(name, password, settings),
            "cluster" => builder.AddRedisCluster(name, password, settings),
            var other => throw new DistributedApplicationException($"Redis:Topology is '{other}': use single (the default) or cluster."),
        };
    }

    private static IResourceBuilder<RedisServerResource> AddSingleRedisServer(this IDistributedApplicationBuilder builder, string name,
        ParameterResource password, RedisServerSettings settings)
    {
        var redis = new RedisServerResource(name, LocalServer.RequireBinary(builder, "redis-server", "redis-server"),
            LocalServer.DataDirectory(builder, name), password);

        return builder.AddRedisProcess(redis, settings, [])
            .WithServerEndpoint(RedisServerResource.PrimaryEndpointName, settings.Port)
            .WithRedisHealthCheck();
    }

    /// <summary>
    /// A health check on the resource's own connection string, once it is known: PING on one server;
    /// on a cluster every node must answer and report <c>cluster_state:ok</c> (CLUSTER INFO, an admin command).
    /// </summary>
    private static IResourceBuilder<T> WithRedisHealthCheck<T>(this IResourceBuilder<T> resource) where T : IResourceWithConnectionString
    {
        string? connectionString = null;
        resource.ApplicationBuilder.Eventing.Subscribe<ConnectionStringAvailableEvent>(resource.Resource, async (_, cancellationToken) =>
            connectionString = await ((IResourceWithConnectionString)resource.Resource).GetConnectionStringAsync(cancellationToken));
        var healthCheckKey = $"{resource.Resource.Name}_check";
        resource.ApplicationBuilder.Services.AddHealthChecks().AddRedis(_ => connectionString is null
            ? throw new InvalidOperationException("The Redis connection string is not available yet.")
            : connectionString + ",allowAdmin=true", healthCheckKey);
        return resource.WithHealthCheck(healthCheckKey);
    }

    /// <summary>
    /// A real Redis Cluster on loopback: six <c>redis-server --cluster-enabled yes</c> processes
    /// (<c>{name}-node-0</c> to <c>-5</c>, each with its own data directory), and a one-shot
    /// <c>{name}-cluster-create</c> that runs <c>redis-cli --cluster create</c> on a fresh set of nodes, or
    /// <c>--cluster check</c> on nodes that formed a cluster in an earlier run. The cluster resource
    /// itself is the connection string naming every node; it is running once the initializer has
    /// succeeded and healthy while every node reports <c>cluster_state:ok</c>.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddRedisCluster(this IDistributedApplicationBuilder builder, string name,
        ParameterResource password, RedisServerSettings settings)
    {
        var redisServer = LocalServer.RequireBinary(builder, "redis-server", "redis-server");
        var redisCli = LocalServer.RequireBinary(builder, "redis-cli", "redis-tools");
        var directory = LocalServer.DataDirectory(builder, $"{name}-cluster");
        var ports = ClusterPorts(builder, directory, settings);

        var nodes = ports.Select((port, i) =>
        {
            var node = new RedisServerResource($"{name}-node-{i}", redisServer, Path.Combine(directory, $"node-{i}"), password);
            var healthCheckKey = $"{node.Name}_check";
            // Listening is enough here: the node joins the cluster only after this.
            builder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, async cancellationToken =>
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy();
            });
            return builder.AddRedisProcess(node, settings,
                [
                    "cluster-enabled yes",
                    "cluster-config-file nodes.conf",
                    $"cluster-node-timeout {settings.ClusterNodeTimeoutMilliseconds}",
                ])
                // Clients learn every node's own address from the cluster (CLUSTER SLOTS), so a proxy in
                // front would be bypassed anyway; the port is the node's identity between runs.
                .WithEndpoint(port: port, targetPort: port, name: RedisServerResource.PrimaryEndpointName, scheme: "tcp", isProxied: false)
                .WithHealthCheck(healthCheckKey);
        }).ToList();

        var nodeAddresses = ports.Select(port => $"127.0.0.1:{port}").ToList();
        var create = builder.AddExecutable($"{name}-cluster-create", redisCli, directory)
            // redis-cli reads the password from its environment: DCP logs every argument.
            .WithEnvironment("REDISCLI_AUTH", builder.CreateResourceBuilder(password))
            .WithArgs(async context =>
            {
                if (await IsFormedAsync(nodeAddresses[0], password, context.CancellationToken))
                {
                    context.Args.Add("--cluster");
                    context.Args.Add("check");
                    context.Args.Add(nodeAddresses[0]);
                    return;
                }

                context.Args.Add("--cluster");
                context.Args.Add("create");
                foreach (var address in nodeAddresses)
                {
                    context.Args.Add(address);
                }

                context.Args.Add("--cluster-replicas");
                context.Args.Add("1");
                context.Args.Add("--cluster-yes");
            });
        foreach (var node in nodes)
        {
            create.WaitFor(node);
        }

        // The connection string waits for what it names: the password must be a resource of the model.
        builder.AddResource(password);
        var cluster = builder.AddConnectionString(name, expression =>
        {
            expression.AppendLiteral(string.Join(',', nodeAddresses));
            expression.Append($",password={password}");
        });

        create.WithParentRelationship(cluster);
        foreach (var node in nodes)
        {
            node.WithParentRelationship(cluster);
        }

        return cluster.WaitForCompletion(create).WithRedisHealthCheck();
    }

    /// <summary>
    /// Whether the nodes already formed a cluster in an earlier run (they remember it in their
    /// <c>nodes.conf</c>): then creating it again would fail, and checking it is what is left to do.
    /// </summary>
    private static async Task<bool> IsFormedAsync(string address, ParameterResource password, CancellationToken cancellationToken)
    {
        var options = ConfigurationOptions.Parse(address);
        options.Password = await password.GetValueAsync(cancellationToken);
        options.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var info = (string?)await connection.GetServer(address).ExecuteAsync("CLUSTER", "INFO") ?? "";
        var knownNodes = info.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("cluster_known_nodes:", StringComparison.Ordinal));
        return knownNodes is not null && int.Parse(knownNodes["cluster_known_nodes:".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 2 * ClusterMasters;
    }

    /// <summary>
    /// The nodes' ports. The nodes remember each other by address, so ports chosen once are kept with
    /// the data (<c>ports</c> in the cluster's directory) and used again whatever the settings say now;
    /// a new cluster takes <see cref="RedisServerSettings.FirstClusterPort"/> and the five after it, or
    /// free ones when that is 0 or ports are randomized.
    /// </summary>
    private static IReadOnlyList<int> ClusterPorts(IDistributedApplicationBuilder builder, string directory, RedisServerSettings settings)
    {
        var saved = Path.Combine(directory, "ports");
        if (File.Exists(saved))
        {
            return File.ReadAllText(saved).Split(',').Select(port => int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        }

        var nodeCount = 2 * ClusterMasters;
        var ports = new List<int>();
        if (settings.FirstClusterPort > 0 && !builder.Configuration.GetValue("DcpPublisher:RandomizePorts", false))
        {
            ports.AddRange(Enumerable.Range(settings.FirstClusterPort, nodeCount));
        }

        // Each node also listens on port + 10000 (the cluster bus): both must be free and below 65536.
        while (ports.Count < nodeCount)
        {
            var port = Random.Shared.Next(20000, 30000);
            if (!ports.Contains(port) && IsFree(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        LocalServer.CreatePrivateDirectory(directory);
        File.WriteAllText(saved, string.Join(',', ports));
        return ports;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A <c>redis-server</c> process with its config file, written before every start.</summary>
    private static IResourceBuilder<RedisServerResource> AddRedisProcess(this IDistributedApplicationBuilder builder, RedisServerResource redis,
        RedisServerSettings settings, IReadOnlyList<string> extraSettings)
        => builder.AddResource(redis)
            .WithIconName("Database")
            // The password goes into a config file readable only by its owner: DCP logs every argument.
            .OnBeforeResourceStarted(async (resource, _, cancellationToken) =>
            {
                LocalServer.CreatePrivateDirectory(resource.DataDirectory);
                var secret = LocalServer.ConfigQuoted(await resource.PasswordParameter.GetValueAsync(cancellationToken) ?? "");
                await LocalServer.WriteSecretFileAsync(resource.ConfigFile, string.Join('\n',
                [
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    $"requirepass {secret}",
                    // A replica authenticates to its master with the same password.
                    $"masterauth {secret}",
                    $"dir {LocalServer.ConfigQuoted(resource.DataDirectory)}",
                    $"maxmemory {settings.MaxMemory}",
                    $"maxmemory-policy {settings.MaxMemoryPolicy}",
                    settings.AppendOnly ? "appendonly yes" : "appendonly no",
                    $"appendfsync {settings.AppendFsync}",
                    "save \"\"",
                    // A large value replaced (a recall set renamed over the last build's) or deleted is
                    // freed on a background thread: freed inline, 50,000 members held every client for ms.
                    "lazyfree-lazy-server-del yes",
                    "lazyfree-lazy-user-del yes",
                    "daemonize no",
                    .. extraSettings,
                    "",
                ]), cancellationToken);
            })
            .WithArgs(context =>
            {
                context.Args.Add(redis.ConfigFile);
                context.Args.Add("--port");
                context.Args.Add(redis.PrimaryEndpoint.Property(EndpointProperty.TargetPort));
            });
}
