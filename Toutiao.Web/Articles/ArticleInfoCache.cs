using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.ServiceDefaults.Clients;
using Toutiao.Web.Http;

namespace Toutiao.Web.Articles;

/// <summary>A page of cards: the channel's pinned articles (when asked for) and the requested ones, in order.</summary>
/// <param name="DegradedBecause">
/// <c>mysql</c>: MySQL could not load the misses, the page holds only what Redis had.
/// <c>redis</c>: Redis failed, the page was read from MySQL, without pinned articles.
/// </param>
public sealed record CachedPage(IReadOnlyList<ArticleCard> Pinned, IReadOnlyList<ArticleCard> Articles, string? DegradedBecause = null);

/// <summary>
/// Cache-aside for article cards. A page costs one Redis round trip whatever its size: a Lua
/// script reads the pinned ids, every <c>art:{id}:info</c>, the four <c>count:art:*</c> scores
/// and the authors' <c>user:{id}:profile</c> at once (authors are only known after the infos
/// are read, which a plain pipeline cannot do). On a Redis Cluster the keys live on many nodes and
/// no script may span them: there a page is two or three pipelines, each one round trip per node in
/// parallel. Misses cost one MySQL round trip and one write-back pipeline. Ids that do not exist are
/// cached as a not-found marker.
/// </summary>
/// <remarks>
/// With Redis down, pages are read from MySQL whole (<see cref="ArticleRepository.LoadCardsAsync"/>),
/// at most <see cref="ArticleCacheOptions.UncachedReadLimit"/> at a time: MySQL was sized for the
/// misses of a cache, not for all reads, so the rest are a fast 503 rather than a queue.
/// </remarks>
public sealed partial class ArticleInfoCache(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer redis,
    ArticleRepository repository,
    LocalCardCache local,
    ArticleCacheMetrics metrics,
    IOptions<ArticleCacheOptions> options,
    ILogger<ArticleInfoCache> logger)
{
    public static readonly TimeSpan InfoTtl = TimeSpan.FromSeconds(1800);
    public static readonly TimeSpan InfoTtlJitter = TimeSpan.FromSeconds(600);
    public static readonly TimeSpan NotFoundTtl = TimeSpan.FromSeconds(300);
    public static readonly TimeSpan NotFoundTtlJitter = TimeSpan.FromSeconds(60);

    // ARGV[1] = pinned set key or "", ARGV[2..] = article ids.
    // Returns { pinnedCount, ids, infos, comments, likes, collects, reads, profileKeys, profiles }.
    private static readonly LuaScript PageScript = LuaScript.Prepare(
        """
        local ids = {}
        if ARGV[1] ~= '' then ids = redis.call('ZREVRANGE', ARGV[1], 0, -1) end
        local pinned = #ids
        for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
        if #ids == 0 then return { 0, {}, {}, {}, {}, {}, {}, {}, {} } end
        local infoKeys = {}
        for i, id in ipairs(ids) do infoKeys[i] = 'art:' .. id .. ':info' end
        local infos = redis.call('MGET', unpack(infoKeys))
        local comments = redis.call('ZMSCORE', 'count:art:comm', unpack(ids))
        local likes = redis.call('ZMSCORE', 'count:art:liking', unpack(ids))
        local collects = redis.call('ZMSCORE', 'count:art:collecting', unpack(ids))
        local reads = redis.call('ZMSCORE', 'count:art:reading', unpack(ids))
        local profileKeys, seen = {}, {}
        for i = 1, #ids do
          local info = infos[i]
          if info and info ~= '-1' then
            -- The author id by pattern, not cjson.decode: decoding every info was most of the script's time.
            local author = string.match(info, '"aut_id":(%d+)')
            if author then
              local key = 'user:' .. author .. ':profile'
              if not seen[key] then seen[key] = true; profileKeys[#profileKeys + 1] = key end
            end
          end
        end
        local profiles = {}
        if #profileKeys > 0 then profiles = redis.call('MGET', unpack(profileKeys)) end
        return { pinned, ids, infos, comments, likes, collects, reads, profileKeys, profiles }
        """);

    private readonly ConcurrencyLimiter _uncachedReads = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.UncachedReadLimit,
        QueueLimit = 0,
    });

    private readonly InFlightLoads<long, LoadedArticle> _articleLoads = new();
    private readonly InFlightLoads<long, AuthorProfile> _authorLoads = new();

    /// <summary>
    /// Reads a page of cards as one span (<c>article_cache read</c>) tagged with requested, hit,
    /// not-found and missed counts; its Redis round trip, the MySQL fallback and the write-back are
    /// its children.
    /// </summary>
    public async Task<CachedPage> GetPageAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel, CancellationToken cancellationToken)
    {
        using var activity = WebTelemetry.Source.StartActivity("article_cache read");
        try
        {
            try
            {
                return await ReadPageAsync(articleIds, pinnedOfChannel, activity, cancellationToken);
            }
            catch (Exception ex) when (RedisConnections.IsFailure(ex))
            {
                activity?.SetTag("toutiao.cache.bypassed", true);
                LogRedisBypassed(articleIds.Count, ex);
                return await ReadUncachedAsync(articleIds, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            activity?.RecordFailure(ex);
            throw;
        }
    }

    private async Task<CachedPage> ReadUncachedAsync(IReadOnlyList<long> articleIds, CancellationToken cancellationToken)
    {
        using var lease = _uncachedReads.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            metrics.UncachedReadRejected();
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, "Storage is busy: try again in a moment.");
        }

        metrics.MySqlFallback();
        var cards = await repository.LoadCardsAsync(articleIds, cancellationToken);
        return new CachedPage([], articleIds.Distinct().Select(cards.GetValueOrDefault).OfType<ArticleCard>().ToList(), "redis");
    }

    private async Task<CachedPage> ReadPageAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel, Activity? activity, CancellationToken cancellationToken)
    {
        var fromMemory = await ReadLocallyAsync(articleIds, pinnedOfChannel);
        var (pinnedCount, ids, counts, articles, articleMisses, authors) = fromMemory
            ?? (IsCluster
                ? await ReadAcrossClusterAsync(articleIds, pinnedOfChannel)
                : await ReadByScriptAsync(articleIds, pinnedOfChannel));

        var authorMisses = articles.Values.OfType<ArticleInfo>().Select(a => a.AutId).Where(id => !authors.ContainsKey(id)).Distinct().ToList();
        var found = articles.Values.Count(a => a is not null);
        metrics.Lookups("article", "hit", found);
        metrics.Lookups("article", "not_found", articles.Count - found);
        metrics.Lookups("article", "miss", articleMisses.Count);
        metrics.Lookups("author", "hit", authors.Count);
        metrics.Lookups("author", "miss", authorMisses.Count);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("toutiao.cache.requested", ids.Length);
            activity.SetTag("toutiao.cache.pinned", pinnedCount);
            activity.SetTag("toutiao.cache.hit", found);
            activity.SetTag("toutiao.cache.not_found", articles.Count - found);
            activity.SetTag("toutiao.cache.missed", articleMisses.Count);
            activity.SetTag("toutiao.cache.authors_missed", authorMisses.Count);
            activity.SetTag("toutiao.cache.local", fromMemory is not null);
        }

        string? degraded = null;
        if (articleMisses.Count + authorMisses.Count > 0)
        {
            try
            {
                await LoadMissesAsync(articleMisses, authorMisses, articles, authors, cancellationToken);
            }
            catch (Exception ex) when (ex is DbException or TimeoutException && articles.Values.Any(info => info is not null))
            {
                // MySQL is down but Redis had some of the page: those are worth more than a 503.
                degraded = "mysql";
                activity?.SetTag("toutiao.cache.partial", true);
                LogPartialPage(articles.Values.Count(info => info is not null), articleMisses.Count, ex);
            }
        }

        if (fromMemory is null)
        {
            RememberLocally(pinnedOfChannel, ids[..pinnedCount], articles, authors);
        }

        ArticleCard? Card(int index)
        {
            var id = ids[index];
            if (articles.GetValueOrDefault(id) is not { } info)
            {
                return null;
            }

            var articleCounts = new ArticleCounts(counts[0][index], counts[1][index], counts[2][index], counts[3][index]);
            return new ArticleCard(info, authors.GetValueOrDefault(info.AutId), articleCounts);
        }

        var pinned = Enumerable.Range(0, pinnedCount).Select(Card).OfType<ArticleCard>().ToList();
        var requested = Enumerable.Range(pinnedCount, ids.Length - pinnedCount).Select(Card).OfType<ArticleCard>().ToList();
        return new CachedPage(pinned, requested, degraded);
    }

    /// <summary>What Redis held for a page: its ids (pinned first) with their counters, the infos and authors it had, and the misses.</summary>
    private sealed record CachedEntries(
        int PinnedCount,
        long[] Ids,
        long[][] Counts,
        Dictionary<long, ArticleInfo?> Articles,
        List<long> ArticleMisses,
        Dictionary<long, AuthorProfile?> Authors);

    private bool? _isCluster;

    /// <summary>
    /// A cluster spreads these keys over its nodes and runs no script across slots. A single server
    /// does; StackExchange.Redis knows which it is once it has connected, and that does not change,
    /// so the page's hot path asks only until then.
    /// </summary>
    private bool IsCluster => _isCluster ?? LearnTopology();

    private bool LearnTopology()
    {
        var servers = redis.GetServers();
        var cluster = servers is [{ ServerType: ServerType.Cluster }, ..];
        if (servers.Any(server => server.IsConnected))
        {
            _isCluster = cluster;
        }

        return cluster;
    }

    /// <summary>
    /// The page from this process's memory (<see cref="LocalCardCache"/>) with its counters from Redis
    /// in one pipeline of plain reads; null when any part of it is not in memory.
    /// </summary>
    private async Task<CachedEntries?> ReadLocallyAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        long[] pinned = [];
        if (pinnedOfChannel is { } channel && !local.TryGetPinned(channel, out pinned))
        {
            return null;
        }

        long[] ids = [.. pinned, .. articleIds];
        var articles = new Dictionary<long, ArticleInfo?>(ids.Length);
        var authors = new Dictionary<long, AuthorProfile?>(ids.Length);
        foreach (var id in ids)
        {
            if (!local.TryGetArticle(id, out var info))
            {
                return null;
            }

            articles[id] = info;
            if (info is not null && !authors.ContainsKey(info.AutId))
            {
                if (!local.TryGetAuthor(info.AutId, out var author))
                {
                    return null;
                }

                authors[info.AutId] = author;
            }
        }

        if (ids.Length == 0)
        {
            return new CachedEntries(0, [], [[], [], [], []], [], [], []);
        }

        var batch = redis.GetDatabase().CreateBatch();
        var counts = QueueCountReads(batch, ids);
        batch.Execute();
        return new CachedEntries(pinned.Length, ids, await counts, articles, [], authors);
    }

    /// <summary>What a page read from Redis or MySQL found, for the next pages of this process.</summary>
    private void RememberLocally(int? pinnedOfChannel, long[] pinned, Dictionary<long, ArticleInfo?> articles, Dictionary<long, AuthorProfile?> authors)
    {
        if (pinnedOfChannel is { } channel)
        {
            local.RememberPinned(channel, pinned);
        }

        foreach (var (id, info) in articles)
        {
            local.RememberArticle(id, info);
        }

        foreach (var (id, author) in authors)
        {
            local.RememberAuthor(id, author);
        }
    }

    /// <summary>The four counters of every id, queued on a batch: one round trip (on a cluster, one per node holding them).</summary>
    private static async Task<long[][]> QueueCountReads(IBatch batch, long[] ids)
    {
        var members = Array.ConvertAll(ids, id => (RedisValue)id);
        var reads = Array.ConvertAll(ArticleCacheKeys.AllCounts, key => batch.SortedSetScoresAsync(key, members));
        return Array.ConvertAll(await Task.WhenAll(reads), scores => Array.ConvertAll(scores, score => (long)(score ?? 0)));
    }

    /// <summary>One server: the whole page in one round trip.</summary>
    private async Task<CachedEntries> ReadByScriptAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        var arguments = new RedisValue[articleIds.Count + 1];
        arguments[0] = pinnedOfChannel is { } channel ? ArticleCacheKeys.Top(channel) : "";
        for (var i = 0; i < articleIds.Count; i++)
        {
            arguments[i + 1] = articleIds[i];
        }

        var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(PageScript.ExecutableScript, [], arguments))!;
        var ids = ((RedisValue[])reply[1]!).Select(v => (long)v).ToArray();
        var counts = Enumerable.Range(3, 4).Select(i => Array.ConvertAll((RedisValue[])reply[i]!, Count)).ToArray();
        var (articles, misses) = ParseInfos(ids, (RedisValue[])reply[2]!);
        var authorIds = Array.ConvertAll((RedisValue[])reply[7]!, ParseAuthorId);
        return new CachedEntries((int)reply[0], ids, counts, articles, misses, ParseProfiles(authorIds, (RedisValue[])reply[8]!));
    }

    /// <summary>
    /// A cluster: the same reads as pipelines that StackExchange.Redis sends to every node at once,
    /// one round trip per node in parallel for each step whatever the page's size. The steps depend
    /// on each other: the pinned ids (only when asked for), then every info and counter, then the
    /// authors the infos name.
    /// </summary>
    private async Task<CachedEntries> ReadAcrossClusterAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        var db = redis.GetDatabase();
        var pinned = pinnedOfChannel is { } channel
            ? await db.SortedSetRangeByRankAsync(ArticleCacheKeys.Top(channel), 0, -1, Order.Descending)
            : [];
        long[] ids = [.. pinned.Select(id => (long)id), .. articleIds];
        if (ids.Length == 0)
        {
            return new CachedEntries(0, [], [[], [], [], []], [], [], []);
        }

        var batch = db.CreateBatch();
        var infoReads = Array.ConvertAll(ids, id => batch.StringGetAsync(ArticleCacheKeys.Info(id)));
        var countReads = QueueCountReads(batch, ids);
        batch.Execute();
        var (articles, misses) = ParseInfos(ids, await Task.WhenAll(infoReads));
        var counts = await countReads;

        var authorIds = articles.Values.OfType<ArticleInfo>().Select(info => info.AutId).Distinct().ToArray();
        batch = db.CreateBatch();
        var profileReads = Array.ConvertAll(authorIds, id => batch.StringGetAsync(ArticleCacheKeys.Profile(id)));
        batch.Execute();
        return new CachedEntries(pinned.Length, ids, counts, articles, misses, ParseProfiles(authorIds, await Task.WhenAll(profileReads)));
    }

    /// <summary>Cached infos by id: an article, null for one that does not exist, or a miss.</summary>
    private (Dictionary<long, ArticleInfo?> Articles, List<long> Misses) ParseInfos(long[] ids, RedisValue[] infos)
    {
        var articles = new Dictionary<long, ArticleInfo?>();
        var misses = new List<long>();
        for (var i = 0; i < ids.Length; i++)
        {
            var value = infos[i];
            if (articles.ContainsKey(ids[i]) || misses.Contains(ids[i]))
            {
                continue;
            }

            if (value == ArticleCacheKeys.NotFoundMarker)
            {
                articles[ids[i]] = null;
            }
            else if (!value.IsNull && TryDeserialize<ArticleInfo>(value) is { } info)
            {
                articles[ids[i]] = info;
            }
            else
            {
                misses.Add(ids[i]);
            }
        }

        return (articles, misses);
    }

    /// <summary>Cached author profiles by id; an author absent here is a miss.</summary>
    private Dictionary<long, AuthorProfile?> ParseProfiles(long[] authorIds, RedisValue[] profiles)
    {
        var authors = new Dictionary<long, AuthorProfile?>();
        for (var i = 0; i < authorIds.Length; i++)
        {
            if (!profiles[i].IsNull)
            {
                authors[authorIds[i]] = profiles[i] == ArticleCacheKeys.NotFoundMarker ? null : TryDeserialize<AuthorProfile>(profiles[i]);
            }
        }

        return authors;
    }

    public async Task<ArticleCard?> GetAsync(long articleId, CancellationToken cancellationToken)
        => (await GetPageAsync([articleId], null, cancellationToken)).Articles.FirstOrDefault();

    private async Task LoadMissesAsync(
        List<long> articleMisses,
        List<long> authorMisses,
        Dictionary<long, ArticleInfo?> articles,
        Dictionary<long, AuthorProfile?> authors,
        CancellationToken cancellationToken)
    {
        var articleClaim = _articleLoads.Claim(articleMisses);
        var authorClaim = _authorLoads.Claim(authorMisses);
        if (articleClaim.Owned.Count + authorClaim.Owned.Count > 0)
        {
            // Other requests may wait for this load: it runs under none of their cancellations, so the
            // owner going away never fails them; the owner only stops waiting for it.
            var (loadedArticles, loadedAuthors) = await LoadAndShareAsync(articleClaim.Owned, authorClaim.Owned).WaitAsync(cancellationToken);
            foreach (var id in articleClaim.Owned)
            {
                articles[id] = loadedArticles.GetValueOrDefault(id);
            }

            foreach (var (id, author) in loadedAuthors)
            {
                authors[id] = author;
            }
        }

        foreach (var (id, load) in articleClaim.Awaited)
        {
            // The article comes with the author the owner loaded alongside it.
            var loaded = await load.WaitAsync(cancellationToken);
            articles[id] = loaded?.Info;
            if (loaded is not null)
            {
                authors.TryAdd(loaded.Info.AutId, loaded.Author);
            }
        }

        foreach (var (id, load) in authorClaim.Awaited)
        {
            authors[id] = await load.WaitAsync(cancellationToken);
        }

        // Authors of articles that were just loaded come with them; any still unknown were not found.
        foreach (var info in articles.Values.OfType<ArticleInfo>())
        {
            authors.TryAdd(info.AutId, null);
        }
    }

    private async Task<(Dictionary<long, ArticleInfo> Articles, Dictionary<long, AuthorProfile> Authors)> LoadAndShareAsync(
        List<long> articleIds, List<long> authorIds)
    {
        try
        {
            metrics.MySqlFallback();
            var (loadedArticles, loadedAuthors) = await repository.LoadAsync(articleIds, authorIds, CancellationToken.None);
            await WriteBackAsync(articleIds, loadedArticles, authorIds, loadedAuthors);
            _articleLoads.Complete(articleIds, loadedArticles.ToDictionary(
                a => a.Key, a => new LoadedArticle(a.Value, loadedAuthors.GetValueOrDefault(a.Value.AutId))));
            _authorLoads.Complete(authorIds, loadedAuthors);
            return (loadedArticles, loadedAuthors);
        }
        catch (Exception ex)
        {
            _articleLoads.Fail(articleIds, ex);
            _authorLoads.Fail(authorIds, ex);
            throw;
        }
    }

    /// <summary>What one shared article load hands its waiters: the article and its author.</summary>
    private sealed record LoadedArticle(ArticleInfo Info, AuthorProfile? Author);

    /// <summary>Writes what MySQL returned back to Redis in one pipeline, with jittered TTLs so keys do not expire together.</summary>
    private async Task WriteBackAsync(
        IReadOnlyList<long> articleIds,
        IReadOnlyDictionary<long, ArticleInfo> loadedArticles,
        IReadOnlyList<long> authorIds,
        IReadOnlyDictionary<long, AuthorProfile> loadedAuthors)
    {
        using var activity = WebTelemetry.Source.StartActivity("article_cache write_back");
        activity?.SetTag("toutiao.cache.articles", articleIds.Count);
        activity?.SetTag("toutiao.cache.authors", authorIds.Count);
        try
        {
            await QueueWriteBack(redis.GetDatabase().CreateBatch(), articleIds, loadedArticles, authorIds, loadedAuthors);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            // The page is already loaded; a failed write-back only costs a later miss.
            activity?.RecordFailure(ex);
            LogWriteBackFailed(ex);
        }
    }

    private static Task QueueWriteBack(
        IBatch batch,
        IReadOnlyList<long> articleIds,
        IReadOnlyDictionary<long, ArticleInfo> loadedArticles,
        IReadOnlyList<long> authorIds,
        IReadOnlyDictionary<long, AuthorProfile> loadedAuthors)
    {
        var writes = new List<Task>();
        foreach (var id in articleIds)
        {
            writes.Add(loadedArticles.TryGetValue(id, out var info)
                ? batch.StringSetAsync(ArticleCacheKeys.Info(id), JsonSerializer.Serialize(info, ToutiaoJson.Options), Jittered(InfoTtl, InfoTtlJitter))
                : batch.StringSetAsync(ArticleCacheKeys.Info(id), ArticleCacheKeys.NotFoundMarker, Jittered(NotFoundTtl, NotFoundTtlJitter)));
        }

        foreach (var (id, author) in loadedAuthors)
        {
            writes.Add(batch.StringSetAsync(ArticleCacheKeys.Profile(id), JsonSerializer.Serialize(author, ToutiaoJson.Options), Jittered(InfoTtl, InfoTtlJitter)));
        }

        foreach (var id in authorIds.Where(id => !loadedAuthors.ContainsKey(id)))
        {
            writes.Add(batch.StringSetAsync(ArticleCacheKeys.Profile(id), ArticleCacheKeys.NotFoundMarker, Jittered(NotFoundTtl, NotFoundTtlJitter)));
        }

        batch.Execute();
        return Task.WhenAll(writes);
    }

    private static TimeSpan Jittered(TimeSpan ttl, TimeSpan jitter)
        => ttl + TimeSpan.FromSeconds(Random.Shared.Next(0, (int)jitter.TotalSeconds + 1));

    private static long Count(RedisValue score) => score.IsNull ? 0 : (long)(double)score;

    private static long ParseAuthorId(RedisValue key)
    {
        var text = (string)key!; // user:{id}:profile
        return long.Parse(text.AsSpan(5, text.Length - 5 - ":profile".Length), CultureInfo.InvariantCulture);
    }

    private T? TryDeserialize<T>(RedisValue value) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(((ReadOnlyMemory<byte>)value).Span, ToutiaoJson.Options);
        }
        catch (JsonException ex)
        {
            // A corrupt entry is treated as a miss and overwritten.
            LogCorruptEntry(typeof(T).Name, ex);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MySQL failed: serving {Cached} cached articles without {Missed} uncached ones")]
    private partial void LogPartialPage(int cached, int missed, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed: reading {Count} articles from MySQL")]
    private partial void LogRedisBypassed(int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing loaded articles back to Redis failed")]
    private partial void LogWriteBackFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Corrupt {EntryType} cache entry ignored")]
    private partial void LogCorruptEntry(string entryType, Exception exception);
}
