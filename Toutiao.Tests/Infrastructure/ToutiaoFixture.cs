extern alias reco;

using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;
using StackExchange.Redis;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// The whole system for the integration and end-to-end tests, started once: real redis-server
/// and mariadbd (seeded by the real initializer), Reco on a real h2c port and Web on a real HTTP
/// port. Everything is stopped and deleted when the tests end, also when a start fails half way.
/// </summary>
public class ToutiaoFixture : IAsyncLifetime
{
    /// <summary>Whether both Redis connections name the nodes of a Redis Cluster rather than one server.</summary>
    public bool IsCluster => StorageArguments.Contains(ClusterToutiaoFixture.ClusterTopology);

    public const string JwtSecret = "integration-tests-jwt-secret-0123456789-abcdefghij-KLMNOP";
    public const string TrackingKey = "integration-tests-tracking-key-0123456789-abcdefghij-KLMNOP";

    /// <summary>Where Web keeps uploaded images in the tests; deleted at the end.</summary>
    public string ImagesDirectory { get; } = Path.Combine(Path.GetTempPath(), $"toutiao-test-images-{Guid.NewGuid():N}");

    /// <summary>Where the fixture's Web keeps its search index, as a deployment does (files, not the heap).</summary>
    public string SearchDirectory { get; } = Path.Combine(Path.GetTempPath(), $"toutiao-test-search-{Guid.NewGuid():N}");

    private readonly List<IAsyncDisposable> _owned = [];

    public StorageServers Storage { get; private set; } = null!;

    public WebApplicationFactory<reco::Program> Reco { get; private set; } = null!;

    public WebApplicationFactory<Program> Web { get; private set; } = null!;

    public Uri RecoAddress { get; private set; } = null!;

    public HttpClient WebClient { get; private set; } = null!;

    /// <summary>The tests' own connection to the state Redis, for looking at and changing keys.</summary>
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>The tests' own connection to the cache Redis (article cards, counters, anonymous history).</summary>
    public IConnectionMultiplexer Cache { get; private set; } = null!;

    public MySqlDataSource MySql { get; private set; } = null!;

    /// <summary>The MySQL server's port: what <see cref="MySqlCommandCounter"/> counts the commands to.</summary>
    public int MySqlPort => (int)new MySqlConnectionStringBuilder(Storage.MySqlConnectionString).Port;

    /// <summary>The MariaDB account Web connects as.</summary>
    public string WebMySqlUser => new MySqlConnectionStringBuilder(Storage.WebMySqlConnectionString).UserID;

    /// <summary>
    /// Every span finished in this process while the tests run. The exporter sits in Web's tracer
    /// provider, but its listeners are process-wide, so Reco's spans (same process) land here too:
    /// one list holds the whole distributed trace.
    /// </summary>
    public ConcurrentCollection<System.Diagnostics.Activity> Spans { get; } = new();

    /// <summary>Web's log records, as its OpenTelemetry logger provider exports them.</summary>
    public ConcurrentCollection<OpenTelemetry.Logs.LogRecord> Logs { get; } = new();

    public async Task InitializeAsync()
    {
        try
        {
            Storage = await StorageServers.StartAsync(StorageArguments);
            _owned.Add(Storage);
            await StorageStartedAsync();
            await ToutiaoDatabaseInitializer.InitializeAsync(Storage.MySqlConnectionString);

            // Admin commands (INFO, CLUSTER NODES, CONFIG) are for the tests' own connections only.
            Redis = await ConnectionMultiplexer.ConnectAsync(Storage.RedisConnectionString + ",allowAdmin=true");
            Cache = await ConnectionMultiplexer.ConnectAsync(Storage.CacheConnectionString + ",allowAdmin=true");
            MySql = new MySqlDataSource(Storage.MySqlConnectionString);

            var recoPort = Ports.Free();
            RecoAddress = new Uri($"http://127.0.0.1:{recoPort}");
            Reco = StartReco(recoPort, Storage.RedisConnectionString, Storage.RecoMySqlConnectionString);

            var webPort = Ports.Free();
            Web = StartWeb(webPort, RecoAddress, "Development", services =>
            {
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                services.ConfigureOpenTelemetryLoggerProvider(logging => logging.AddInMemoryExporter(Logs));
            }, new Dictionary<string, string?> { ["Search:Enabled"] = "true", ["Search:IndexDirectory"] = SearchDirectory });
            WebClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{webPort}") };

            await WaitUntilHealthyAsync(WebClient, TimeSpan.FromSeconds(60));
            using var recoHealth = GrpcReady.CreateHttp2Client(RecoAddress);
            await WaitUntilHealthyAsync(recoHealth, TimeSpan.FromSeconds(60));
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Further AppHost settings for the servers (a fixture with more of them).</summary>
    protected virtual string[] StorageArguments => [];

    /// <summary>Runs once the servers are healthy, before the initializer and the hosts.</summary>
    protected virtual Task StorageStartedAsync() => Task.CompletedTask;

    /// <summary>Settings every Web of this fixture gets last, over the common ones and a test's own.</summary>
    protected virtual void AddWebSettings(Dictionary<string, string?> settings)
    {
    }

    /// <summary>Settings every host under test shares: long background intervals keep the counts in tests exact.</summary>
    public Dictionary<string, string?> CommonSettings(string redis, string mysql) => new()
    {
        ["ConnectionStrings:redis"] = redis,
        ["ConnectionStrings:cache"] = Storage.CacheConnectionString,
        ["ConnectionStrings:toutiao"] = mysql,
        ["Recommendation:RefreshInterval"] = "01:00:00",
        ["Recommendation:ChannelRefreshInterval"] = "01:00:00",
        ["ArticleCache:WarmInterval"] = "01:00:00",
        // Tests change Redis and MySQL under ids a page just read and look at the next page: Web reads
        // through to Redis. Its local layer is tested on a Web of its own (ArticleCacheTests).
        ["ArticleCache:LocalTtl"] = "00:00:00",
        ["Channels:CacheDuration"] = "01:00:00",
        ["Jwt:Secret"] = JwtSecret,
        // Session tests await the guard's next check rather than its default half-minute.
        ["Jwt:SessionCheckInterval"] = "00:00:01",
        ["Tracking:SigningKey"] = TrackingKey,
        // A consumer that stops mid-batch has its entries taken over within a second or so.
        ["Behaviors:ClaimIdle"] = "00:00:01",
        ["Behaviors:ReclaimInterval"] = "00:00:00.5",
        // Raised hot scores reach the candidates in memory at the next check (every 2 s).
        ["Recommendation:HotReloadInterval"] = "00:00:00",
        // The click model is trained when a test says so (ClickModelTests), from the few examples tests make.
        ["Ranking:TrainInterval"] = "01:00:00",
        ["Ranking:MinExamples"] = "20",
        // Every test reads from 127.0.0.1: the limits are tested on a Web of their own.
        ["RateLimits:SignInPerClientPerMinute"] = "100000",
        ["RateLimits:CodesPerMobile"] = "100000",
        ["RateLimits:ReadsPerClientPerMinute"] = "100000",
        ["RateLimits:ReadsPerReaderPerMinute"] = "100000",
        ["RateLimits:CommentsPerClientPerMinute"] = "100000",
        ["RateLimits:UploadsPerClientPerMinute"] = "100000",
        ["RateLimits:ReportsPerReaderPerMinute"] = "100000",
        ["RateLimits:ReportsPerClientPerMinute"] = "100000",
        ["RateLimits:LookupsPerReaderPerMinute"] = "100000",
        ["RateLimits:LookupsPerClientPerMinute"] = "100000",
        ["RateLimits:WritesPerReaderPerMinute"] = "100000",
        ["RateLimits:WritesPerClientPerMinute"] = "100000",
        ["Images:Directory"] = ImagesDirectory,
        // Only the fixture's own Web indexes for search (seconds of CPU per start); the others do without.
        ["Search:Enabled"] = "false",
        ["Search:RefreshInterval"] = "00:00:01",
        // Tests publish with the newsroom when they say so (NewsroomTests): pages stay as seeded.
        ["Demo:PublishInterval"] = "00:00:00",
        ["Logging:LogLevel:Default"] = "Warning",
        // The development SMS sender's codes, which the sign-in tests read.
        ["Logging:LogLevel:Toutiao.Web.Auth.DevelopmentSmsSender"] = "Information",
        // No OTLP endpoint here: the tests' in-memory exporters want every span all the same.
        ["OTEL_TRACES_SAMPLER"] = "always_on",
    };

    public WebApplicationFactory<reco::Program> StartReco(int port, string redis, string mysql)
    {
        var factory = new WebApplicationFactory<reco::Program>()
            .WithWebHostBuilder(builder =>
            {
                builder.UseEnvironment("Development");
                var settings = CommonSettings(redis, mysql);
                // Bucket f is a control group (the hot/new blend only), as a deployment may set it.
                settings["Recommendation:Buckets:f"] = "hot-new";
                UseSettings(builder, settings);
            });
        return Own(Started(factory, port));
    }

    public WebApplicationFactory<Program> StartWeb(int port, Uri recoAddress, string environment, Action<IServiceCollection>? services = null,
        IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var factory = new WebApplicationFactory<Program>()
            .WithWebHostBuilder(builder =>
            {
                builder.UseEnvironment(environment);
                builder.ConfigureServices(collection => services?.Invoke(collection));
                var settings = CommonSettings(Storage.RedisConnectionString, Storage.WebMySqlConnectionString);
                settings["services:reco:http:0"] = recoAddress.ToString();
                foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
                {
                    settings[key] = value;
                }

                AddWebSettings(settings);
                UseSettings(builder, settings);
            });
        return Own(Started(factory, port));
    }

    /// <summary>
    /// Settings the services see while Program.cs runs: Aspire's client integrations read their
    /// connection strings when they are added, before ConfigureAppConfiguration would apply.
    /// </summary>
    private static void UseSettings(IWebHostBuilder builder, Dictionary<string, string?> settings)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public T WebService<T>() where T : notnull => Web.Services.GetRequiredService<T>();

    /// <summary>An article's <c>read_count</c> in MySQL (0 without a statistics row).</summary>
    public async Task<long> ReadCountAsync(long articleId)
    {
        await using var command = MySql.CreateCommand("SELECT COALESCE((SELECT read_count FROM news_article_statistic WHERE article_id = @id), 0)");
        command.Parameters.Add(new MySqlParameter("@id", articleId));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Web builds its search index in the background after it starts: a few seconds' work.</summary>
    public Task SearchBuiltAsync() => WebService<Toutiao.Web.Search.ArticleSearch>().Built.WaitAsync(TimeSpan.FromSeconds(90));

    /// <summary>
    /// Until every entry of the behaviour stream was delivered to Reco's consumer group and
    /// acknowledged: the group's state in Redis, looked at again after each batch Reco applies (or
    /// a tenth of a second, as entries found to be duplicates are not counted applied).
    /// </summary>
    public async Task BehaviorsAppliedAsync()
    {
        var db = Redis.GetDatabase();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var next = new MeasurementSignal("Toutiao.Reco", "toutiao.behaviors", new("outcome", "applied"), 1, Reco.Services);
            var last = (await db.StreamInfoAsync(Toutiao.Contracts.Behaviors.BehaviorStream.Events)).LastGeneratedId;
            var group = (await db.StreamGroupInfoAsync(Toutiao.Contracts.Behaviors.BehaviorStream.Events))
                .Single(g => g.Name == Toutiao.Contracts.Behaviors.BehaviorStream.ConsumerGroup);
            if (group.PendingMessageCount == 0 && group.LastDeliveredId == last)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"behaviours still being applied: {group.PendingMessageCount} pending, delivered to {group.LastDeliveredId} of {last}");
            await Task.WhenAny(next.Reached, Task.Delay(100));
        }
    }

    /// <summary>Loads the article counters and pins into a cache server that came back empty, once Web has reconnected to it.</summary>
    public async Task RefillCacheAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await WebService<Toutiao.Web.Articles.ArticleCacheWarmer>().WarmAsync(CancellationToken.None);
                return;
            }
            catch (Exception ex) when (Toutiao.Contracts.Storage.StorageFailures.IsRedisFailure(ex) && DateTime.UtcNow < deadline)
            {
                // Not reconnected yet.
                await Task.Delay(50);
            }
        }
    }

    private static WebApplicationFactory<T> Started<T>(WebApplicationFactory<T> factory, int port) where T : class
    {
        factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        factory.StartServer();
        return factory;
    }

    /// <summary>Disposed with the fixture, before what was owned earlier.</summary>
    protected T Own<T>(T disposable) where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    private static async Task WaitUntilHealthyAsync(HttpClient client, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await client.GetAsync("/health");
                last = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{client.BaseAddress} did not become healthy: {last}");
    }

    public async Task DisposeAsync()
    {
        WebClient?.Dispose();
        Redis?.Dispose();
        Cache?.Dispose();
        if (MySql is not null)
        {
            await MySql.DisposeAsync();
        }

        // Hosts first, servers last.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        foreach (var directory in new[] { ImagesDirectory, SearchDirectory }.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ToutiaoCollection : ICollectionFixture<ToutiaoFixture>
{
    public const string Name = "Toutiao system";
}

/// <summary>
/// The same system with both Redis connections on a real Redis Cluster: three masters and three
/// replicas each, started by the AppHost's own cluster resources with their default settings (a
/// 5 s node timeout: shorter ones let failure reports expire before a majority agrees when the
/// cores are busy, and no failover happens).
/// </summary>
public sealed class ClusterToutiaoFixture : ToutiaoFixture
{
    public const string ClusterTopology = "--Redis:Topology=cluster";

    protected override string[] StorageArguments => [ClusterTopology];

    /// <summary>
    /// A cluster just created is still forming when it reports healthy: the nodes are still meeting
    /// each other and the replicas are still on their first sync. Until every node knows every other
    /// one as connected, with its role, and every replica's link is up, a replica acknowledges no
    /// <c>WAIT</c> and an election may not get its votes: the tests start after that.
    /// </summary>
    protected override async Task StorageStartedAsync()
    {
        foreach (var connectionString in new[] { Storage.RedisConnectionString, Storage.CacheConnectionString })
        {
            await using var admin = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (!await RedisClusterViews.IsFormedAsync(admin))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("The cluster did not finish forming in 60 s: " + string.Join(" | ",
                        await Task.WhenAll(admin.GetServers().Select(async server => string.Join('\n', await RedisClusterViews.NodesAsync(server))))));
                }

                await Task.Delay(100);
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterToutiaoFixture>
{
    public const string Name = "Toutiao system on a Redis Cluster";
}
