using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>How many instances of each service runs (<c>--Replicas:web</c>, <c>--Replicas:reco</c>).</summary>
public sealed record ServiceReplicas(int Web, int Reco);

/// <summary>The resources of the Toutiao app model, for what an AppHost adds beside them.</summary>
public sealed record ToutiaoResources(
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Cache,
    IResourceBuilder<MySqlDatabaseResource> Toutiao,
    IResourceBuilder<MySqlDatabaseResource>? ToutiaoReplica,
    ToutiaoAccounts Accounts,
    IResourceBuilder<ProjectResource> Initializer,
    IResourceBuilder<ProjectResource> Web,
    IReadOnlyList<IResourceBuilder<ProjectResource>> RecoInstances,
    IResourceBuilder<ProjectResource> Trainer,
    ServiceReplicas Replicas)
{
    /// <summary>The first Reco instance ("reco"): with several, <see cref="RecoInstances"/> are all of them.</summary>
    public IResourceBuilder<ProjectResource> Reco => RecoInstances[0];
}

/// <summary>The services' MariaDB accounts (rows only), and Web's on the read replica when there is one.</summary>
public sealed record ToutiaoAccounts(
    IResourceBuilder<MySqlUserResource> Web,
    IResourceBuilder<MySqlUserResource> Reco,
    IResourceBuilder<MySqlUserResource>? ReplicaReader);

public static class ToutiaoBuilderExtensions
{
    /// <summary>
    /// The whole system: Redis and MariaDB, the database initializer, Reco and Web. The projects come
    /// as type parameters because Aspire generates their <c>Projects.*</c> types in AppHost projects
    /// only (<typeparamref name="TWeb"/> is <c>Projects.Toutiao_Web</c>, <typeparamref name="TReco"/>
    /// <c>Projects.Toutiao_Reco</c>).
    /// </summary>
    public static ToutiaoResources AddToutiao<TWeb, TReco>(this IDistributedApplicationBuilder builder)
        where TWeb : IProjectMetadata, new()
        where TReco : IProjectMetadata, new()
    {
        // Two Redis servers, split by what may be lost. "redis" holds what exists nowhere else (signed-in
        // readers' history, login codes) and the recall sets: never evicted (at its limit writes fail, and
        // the services degrade), kept across restarts. "cache" holds what MySQL can rebuild or what may be
        // forgotten (article cards, counters, pins, anonymous readers' history): least recently used goes first.
        // --Redis:Topology=cluster makes each a Redis Cluster of three masters and three replicas.
        // Fixed ports beside the usual ones (6379, 3306), which a developer's own servers may hold.
        var redis = builder.AddRedisServer("redis", new() { MaxMemory = "512mb", MaxMemoryPolicy = "noeviction", AppendOnly = true, Port = 6380, FirstClusterPort = 7001 });
        var cache = builder.AddRedisServer("cache", new() { MaxMemory = "256mb", MaxMemoryPolicy = "allkeys-lru", AppendOnly = false, Port = 6381, FirstClusterPort = 7011 });

        var mysql = builder.AddMySqlServer("mysql", port: 3307);
        var toutiao = mysql.AddDatabase("toutiao");
        // --MySql:ReadReplicas=1: a second mariadbd following the first ("toutiao-replica"); Web reads articles from it.
        var toutiaoReplica = mysql.AddReadReplicas(toutiao, builder.Configuration.GetValue("MySql:ReadReplicas", 0));

        // The services connect with their own accounts: data on the app's tables, never schema, other
        // databases or accounts (root is the initializer's, which owns the schema). Web reads a replica
        // with an account that may only read and watch replication.
        var webAccount = toutiao.AddUser("toutiao-web", "toutiao_web", "SELECT", "INSERT", "UPDATE", "DELETE");
        var recoAccount = toutiao.AddUser("toutiao-reco", "toutiao_reco", "SELECT", "INSERT", "UPDATE", "DELETE");
        var replicaAccount = toutiaoReplica?.AddUser("toutiao-replica-reader", "toutiao_reader", "SELECT", "SLAVE MONITOR");

        // Schema, once per start, before anything reads it; when the app runs here, the demo data too.
        // A deployment (the publish manifest, deploy/kubernetes) initializes the schema only.
        var initializer = builder.AddDatabaseInitializer<TWeb>("toutiao-init", "initialize-database")
                                 .WithReference(toutiao)
                                 .WaitFor(toutiao);
        if (builder.ExecutionContext.IsRunMode)
        {
            initializer.WithArgs("--demo-data");
        }

        // Reco signs the tracking strings it issues and Web checks them when the app reports them back:
        // one key for both, generated once and kept in the user secrets like the passwords.
        var trackingKey = builder.AddParameter("tracking-signing-key", new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

        // Web and Reco listen on their own ports: DCP's proxy in front of them would cost as much CPU as
        // Web spends on a small request and add a hop to every call. The proxy stays where it is needed:
        // Web's replicas (one port for all, spread by DCP) and Web with randomized ports (tests, `aspire
        // run --isolated`: several AppHosts at once); Reco's instances then take free ports of their own.
        // --Replicas:web=2 --Replicas:reco=2: several instances of each. Reco's are resources of their
        // own ("reco", "reco-2", ...), each with its own address for Web's channel to spread calls over:
        // DCP's proxy spreads connections, and Web's one HTTP/2 connection would carry every call to one.
        var replicas = new ServiceReplicas(builder.Configuration.GetValue("Replicas:web", 1), builder.Configuration.GetValue("Replicas:reco", 1));
        var randomPorts = builder.Configuration.GetValue("DcpPublisher:RandomizePorts", false);
        var recoInstances = builder.AddProjectInstances<TReco>("reco", replicas.Reco, randomPorts);
        foreach (var instance in recoInstances)
        {
            instance.WithH2cHealthCheck("/health")
                    .WithEnvironment("Tracking__SigningKey", trackingKey)
                    .WithReference(redis)
                    .WithReference(cache)
                    .WithReference(recoAccount, toutiao.Resource.Name)
                    .WaitFor(redis)
                    .WaitFor(cache)
                    .WaitForCompletion(initializer);
        }

        // The click model is fitted in a process of its own, on CPU the services leave idle: a fit keeps a
        // core busy for half a minute and its garbage collections would stop Reco's pages too. Reco's
        // replicas load the model it stores. (Reco's own binary, started with "train".)
        var trainer = builder.AddProject<TReco>("reco-trainer", options => options.ExcludeLaunchProfile = true)
                             .WithArgs("train")
                             .WithReference(redis)
                             .WithReference(cache)
                             .WithReference(recoAccount, toutiao.Resource.Name)
                             .WaitFor(redis)
                             .WaitForCompletion(initializer);
        if (builder.ExecutionContext.IsRunMode)
        {
            // Its health in the dashboard, on any free port (not Reco's, its launch profile's). A
            // deployment probes the pod itself: nothing calls it, so no Service and no binding.
            trainer.WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
                   .WithHttpEndpoint(name: "http")
                   .WithHttpHealthCheck("/health");
        }

        foreach (var instance in recoInstances)
        {
            instance.WithEnvironment("Ranking__Trainer", "elsewhere");
        }

        var web = builder.AddProject<TWeb>("web")
               .WithReplicas(replicas.Web)
               .WithEndpoint("http", endpoint => endpoint.IsProxied = randomPorts || replicas.Web > 1)
               .WithHttpHealthCheck("/health")
               // No proxy here sets X-Forwarded-For; Aspire's default would believe it from anyone.
               .DisableForwardedHeaders()
               .WithEnvironment("Tracking__SigningKey", trackingKey)
               // Uploaded photos are kept with the other data, between runs.
               .WithEnvironment("Images__Directory", LocalServer.DataDirectory(builder, "images"))
               // The search index in files, not Web's heap: a folder per replica under it.
               .WithEnvironment("Search__IndexDirectory", LocalServer.DataDirectory(builder, "search"))
               .WithReferences(recoInstances)
               .WithReference(redis)
               .WithReference(cache)
               .WithReference(webAccount, toutiao.Resource.Name)
               .WaitForCompletion(initializer);
        foreach (var instance in recoInstances)
        {
            web.WaitFor(instance);
        }

        // Web's rate limits from the AppHost's own settings (--RateLimits:ReadsPerClientPerMinute=...): load driven from one address needs more.
        foreach (var limit in builder.Configuration.GetSection("RateLimits").GetChildren())
        {
            web.WithEnvironment($"RateLimits__{limit.Key}", limit.Value);
        }

        if (toutiaoReplica is not null && replicaAccount is not null)
        {
            web.WithReference(replicaAccount, toutiaoReplica.Resource.Name);
        }

        // --Tracing:SampleRatio=0.1: a tenth of the traces, chosen where they start (Web), whole through Reco.
        var sampleRatio = builder.Configuration.GetValue("Tracing:SampleRatio", 1.0);
        web.WithTraceSampleRatio(sampleRatio);
        trainer.WithTraceSampleRatio(sampleRatio);
        foreach (var instance in recoInstances)
        {
            instance.WithTraceSampleRatio(sampleRatio).WithoutDevelopmentCertificate();
        }

        initializer.WithoutDevelopmentCertificate();
        trainer.WithoutDevelopmentCertificate();
        web.WithoutDevelopmentCertificate();

        return new(redis, cache, toutiao, toutiaoReplica, new(webAccount, recoAccount, replicaAccount), initializer, web, recoInstances, trainer, replicas);
    }

    /// <summary>
    /// No service terminates TLS: they speak plain HTTP (h2c between Web and Reco). Aspire gives every
    /// project a hook for the ASP.NET development certificate and, seeing one, shows a red "No trusted
    /// development certificate" notification on machines that trust none. Saying there is no
    /// certificate to configure drops the hook and the warning, and changes nothing a service serves.
    /// Every project an AppHost adds needs it.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithoutDevelopmentCertificate(this IResourceBuilder<ProjectResource> project)
    {
        // (Experimental in Aspire 13.6: if it changes, the warning comes back and QuietTracesTests says so.)
#pragma warning disable ASPIRECERTIFICATES001
        return project.WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001
    }

    /// <summary>
    /// Builds and runs the app until it is stopped; a startup failure such as a missing server
    /// package is one <c>error:</c> line and exit code 1, not a stack trace.
    /// </summary>
    public static int BuildAndRun(this IDistributedApplicationBuilder builder)
    {
        try
        {
            builder.Build().Run();
            return 0;
        }
        catch (Exception ex) when (ex.GetBaseException() is DistributedApplicationException failure)
        {
            // Events wrap it in an AggregateException: the base exception says what is missing.
            Console.Error.WriteLine($"error: {failure.Message}");
            return 1;
        }
    }
}
