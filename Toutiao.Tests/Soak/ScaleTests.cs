using System.Globalization;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Tests.AppHost;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Soak;

/// <summary>
/// <c>./toutiao scale</c>: the whole app model with the demo's 50,000 articles, then with 500,000
/// (nine older copies of each approved article, its body, keywords and counts, written to MySQL
/// while it runs): Web's and Reco's memory and both Redis' <c>used_memory</c> at each, once the
/// search index and Reco's candidates have taken the new articles in. Reco's candidates are a
/// window (<c>Recommendation:CandidatesPerChannel</c>, from the environment): no channel's sets
/// may hold more than twice it. The figures go to <c>TestResults/scale/scale.md</c>. Minutes of
/// MySQL writes and indexing: not part of <c>./toutiao test</c>.
/// </summary>
[Trait("Category", TestCategories.Scale)]
[Collection(ScaleCollection.Name)]
public sealed class ScaleTests(ToutiaoAppFixture app, Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Copies = 9;

    /// <summary>The window Reco runs with: its default, or <c>Recommendation__CandidatesPerChannel</c> given to <c>./toutiao scale</c>.</summary>
    private static readonly int Window = int.TryParse(Environment.GetEnvironmentVariable("Recommendation__CandidatesPerChannel"), out var window) ? window : 50_000;
    private const long IdOffset = 1_000_000;
    private const string EveryCounterLoaded = "cache Redis used_memory MB with every article's counters loaded";
    private readonly RunReport _report = new(output, "scale");

    [Fact]
    public async Task From_50000_to_500000_articles_every_channels_candidates_stay_within_the_window()
    {
        var found = await SearchTotalAsync();
        await SearchFindsAsync(found);
        var before = await MeasureAsync();
        before[EveryCounterLoaded] = await CacheWithEveryCounterLoadedAsync();
        var approved = await ApprovedAsync();

        var inflating = System.Diagnostics.Stopwatch.StartNew();
        await InflateAsync();
        var after500k = await ApprovedAsync();
        Note($"Scale {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {approved:N0} approved articles, then {after500k:N0} ({Copies} older copies written in {inflating.Elapsed.TotalSeconds:0} s); Recommendation:CandidatesPerChannel {Window:N0}");

        // Reco rebuilds its sets when their marker is gone; Web's search takes the copies in (update_time now).
        await using var state = await ConnectAsync("redis");
        var builtBefore = (long)await state.GetDatabase().StringGetAsync(RecallKeys.BuiltMarker);
        await state.GetDatabase().KeyDeleteAsync(RecallKeys.BuiltMarker);
        // A build that read every copy: its largest id is the last copy's.
        var newest = await NewestApprovedAsync();
        await UntilAsync(async () => (long?)await state.GetDatabase().StringGetAsync(RecallKeys.BuiltMarker) is { } built && built != builtBefore
            && (long)await state.GetDatabase().StringGetAsync(RecallKeys.BuiltUpTo) >= newest, "Reco's rebuild");
        await SearchFindsAsync(found * (Copies + 1));

        // Restarted empty, the cache holds what pages load into it: the counter buckets of the articles read.
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5)))
        {
            var restarted = await app.App.ResourceCommands.ExecuteCommandAsync("cache", KnownResourceCommands.RestartCommand, timeout.Token);
            Assert.True(restarted.Success, restarted.Message);
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync("cache", WaitBehavior.WaitOnResourceUnavailable, timeout.Token);
        }

        var after = await MeasureAsync();
        after[EveryCounterLoaded] = await CacheWithEveryCounterLoadedAsync();
        var candidates = (long)after["channel 0 candidates"];

        Note("");
        Note("| | 50,000 articles | 500,000 articles | ratio |");
        Note("| --- | ---: | ---: | ---: |");
        foreach (var name in before.Keys)
        {
            Note($"| {name} | {before[name]:0} | {after[name]:0} | {after[name] / before[name]:0.00}x |");
        }

        await _report.WriteAsync();

        // The window holds: at most each channel's newest and hottest (Reco inherits the setting from this process' environment).
        Assert.InRange(candidates, Math.Min(approved, Window), 2 * Window);
        await using (var stateAgain = await ConnectAsync("redis"))
        {
            for (var channel = 1; channel < 26; channel++)
            {
                Assert.InRange(await stateAgain.GetDatabase().SortedSetLengthAsync(RecallKeys.New(channel)), 0, 2 * Window);
            }
        }
    }

    /// <summary>After a few pages, the mean of three samples 5 s apart.</summary>
    private async Task<Dictionary<string, double>> MeasureAsync()
    {
        var reader = Api.NewAnonymousReader();
        for (var channel = 0; channel <= 12; channel++)
        {
            Assert.Equal(HttpStatusCode.OK, (await app.Web.FeedAsync(channel, Api.Now(), reader)).Status);
        }

        var samples = new List<Dictionary<string, double>>();
        for (var i = 0; i < 3; i++)
        {
            if (i > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
            }

            var sample = new Dictionary<string, double>();
            foreach (var service in new[] { "web", "reco" })
            {
                var pids = (await AppInstances.OfAsync(app.App, service)).Select(LocalProcesses.ServiceOf).ToList();
                sample[$"{service} resident MB (VmRSS, per replica)"] = pids.Average(ProcessMemory.ResidentMegabytes);
                sample[$"{service} heap MB (RssAnon, per replica)"] = pids.Average(ProcessMemory.AnonymousMegabytes);
            }

            foreach (var name in new[] { "redis", "cache" })
            {
                await using var client = await ConnectAsync(name);
                sample[$"{name} Redis used_memory MB"] = await UsedMemoryMegabytesAsync(client);
                if (name == "redis")
                {
                    sample["channel 0 candidates"] = await client.GetDatabase().SortedSetLengthAsync(RecallKeys.New(RecommendedChannel.Id));
                }
            }

            var search = Path.Combine(app.DataDirectory, "search");
            sample["search index on disk MB"] = Directory.Exists(search)
                ? Directory.EnumerateFiles(search, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1048576d
                : 0;
            samples.Add(sample);
        }

        var measured = samples[0].Keys.ToDictionary(k => k, k => samples.Average(s => s[k]));
        foreach (var service in new[] { "web", "reco" })
        {
            measured[$"{service} managed heap MB after a full collection (per replica)"] = await LiveHeapMegabytesAsync(service);
        }

        return measured;
    }

    /// <summary>
    /// What each instance's managed heap holds (its <c>POST /debug/runtime/collect</c>): resident memory
    /// also counts what a server-GC heap keeps after a burst (a rebuild streaming 500,000 rows).
    /// </summary>
    private async Task<double> LiveHeapMegabytesAsync(string service)
    {
        var megabytes = new List<double>();
        foreach (var instance in await AppInstances.OfAsync(app.App, service))
        {
            // Reco speaks HTTP/2 only, without TLS.
            using var client = service == "reco" ? GrpcReady.CreateHttp2Client(app.App.GetEndpoint(instance.Resource.Name, "http")) : new HttpClient { BaseAddress = app.App.GetEndpoint(instance.Resource.Name, "http") };
            client.Timeout = TimeSpan.FromMinutes(1);
            using var response = await client.PostAsync(Microsoft.Extensions.Hosting.RuntimeCounters.CollectPath, content: null);
            response.EnsureSuccessStatusCode();
            using var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            megabytes.Add(body.RootElement.GetProperty("live_bytes").GetInt64() / 1048576d);
        }

        return megabytes.Average();
    }

    /// <summary>
    /// The cache's <c>used_memory</c> once every article's counter bucket is in it, written as a page's
    /// load writes one: what the counters of the whole catalogue cost were every article read.
    /// </summary>
    private async Task<double> CacheWithEveryCounterLoadedAsync()
    {
        var buckets = new Dictionary<long, List<KeyValuePair<long, long[]>>>();
        await using (var connection = new MySqlConnection(await app.App.GetConnectionStringAsync("toutiao")))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand("SELECT article_id, comment_count, like_count, collect_count, read_count FROM news_article_statistic", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetInt64(0);
                var bucket = ArticleCounters.Bucket(id);
                if (!buckets.TryGetValue(bucket, out var articles))
                {
                    buckets[bucket] = articles = [];
                }

                articles.Add(KeyValuePair.Create(id, new[] { reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4) }));
            }
        }

        await using var cache = await ConnectAsync("cache");
        foreach (var chunk in buckets.Chunk(500))
        {
            await Task.WhenAll(chunk.Select(bucket => cache.GetDatabase().LoadIfAbsentAsync(bucket.Key, bucket.Value)));
        }

        return await UsedMemoryMegabytesAsync(cache);
    }

    private static async Task<double> UsedMemoryMegabytesAsync(ConnectionMultiplexer redis)
    {
        var info = (await redis.GetServers()[0].InfoAsync("memory")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return double.Parse(info["used_memory"], CultureInfo.InvariantCulture) / 1048576;
    }

    /// <summary>
    /// The test's own look at a Redis: patient (30 s), as two cores indexing 450,000 articles keep this
    /// process' replies waiting for seconds; the services keep their own 2 s budgets.
    /// </summary>
    private async Task<ConnectionMultiplexer> ConnectAsync(string name)
        => await ConnectionMultiplexer.ConnectAsync((await app.App.GetConnectionStringAsync(name))! + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000");

    /// <summary>Nine copies of every approved article, each 30 days older than the last: the catalogue of a system that ran a while.</summary>
    private async Task InflateAsync()
    {
        await using var connection = new MySqlConnection(await app.App.GetConnectionStringAsync("toutiao"));
        await connection.OpenAsync();
        for (var copy = 1; copy <= Copies; copy++)
        {
            await using var command = new MySqlCommand($"""
                INSERT INTO news_article_basic (article_id, user_id, channel_id, title, cover, is_advertising, create_time, status, allow_comment, is_top, update_time)
                SELECT article_id + @offset, user_id, channel_id, title, cover, is_advertising, create_time - INTERVAL @days DAY, 2, allow_comment, 0, NOW()
                FROM news_article_basic WHERE article_id < {IdOffset} AND status = 2;
                INSERT INTO news_article_content (article_id, content)
                SELECT c.article_id + @offset, c.content FROM news_article_content c JOIN news_article_basic a ON a.article_id = c.article_id
                WHERE a.article_id < {IdOffset} AND a.status = 2;
                INSERT INTO news_article_keyword (article_id, keyword, weight)
                SELECT k.article_id + @offset, k.keyword, k.weight FROM news_article_keyword k JOIN news_article_basic a ON a.article_id = k.article_id
                WHERE a.article_id < {IdOffset} AND a.status = 2;
                INSERT INTO news_article_statistic (article_id, read_count, like_count, collect_count, comment_count)
                SELECT s.article_id + @offset, s.read_count, s.like_count, s.collect_count, s.comment_count FROM news_article_statistic s
                JOIN news_article_basic a ON a.article_id = s.article_id WHERE a.article_id < {IdOffset} AND a.status = 2;
                """, connection) { CommandTimeout = 600 };
            command.Parameters.AddWithValue("@offset", copy * IdOffset);
            command.Parameters.AddWithValue("@days", copy * 30);
            await command.ExecuteNonQueryAsync();
        }
    }

    private Task<long> ApprovedAsync() => ScalarAsync("SELECT COUNT(*) FROM news_article_basic WHERE status = 2");

    private Task<long> NewestApprovedAsync() => ScalarAsync("SELECT MAX(article_id) FROM news_article_basic WHERE status = 2");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new MySqlConnection(await app.App.GetConnectionStringAsync("toutiao"));
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Until every Web replica's search finds articles with "49993" this many times (copies share their originals' titles).</summary>
    private Task SearchFindsAsync(long count) => UntilAsync(async () =>
    {
        for (var i = 0; i < 4; i++)
        {
            if (await SearchTotalAsync() != count)
            {
                return false;
            }
        }

        return true;
    }, $"search finding {count}");

    private async Task<long> SearchTotalAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var found = await app.Web.SendAsync(HttpMethod.Get, "/v1_0/search?q=49993&per_page=1");
            if (found.Status == HttpStatusCode.OK)
            {
                return found.Data.GetProperty("total_count").GetInt64();
            }

            // A replica still building its index: 503.
            Assert.True(attempt < 300, $"Search answered {found.Status} for 10 minutes.");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited 15 minutes for {what}.");
            await Task.Delay(TimeSpan.FromSeconds(2));
        }
    }

    private void Note(string line) => _report.Note(line);

}

[CollectionDefinition(Name)]
public sealed class ScaleCollection : ICollectionFixture<ToutiaoAppFixture>
{
    public const string Name = "Toutiao scale";
}
