using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.ServiceDefaults.Clients;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Recall;

/// <summary>A recalled article with both of its recall scores.</summary>
public readonly record struct Candidate(long ArticleId, double PublishedAtMs, double Hotness);

/// <summary>
/// The per-channel recall sets in Redis (<c>ch:{id}:new</c>, <c>ch:{id}:hot</c>), built from MySQL.
/// Hotness = reads + 2·likes + 3·collects + 4·comments: a comment or a collect says more about
/// interest than a read.
/// </summary>
public sealed partial class RecallCandidateStore(
    IConnectionMultiplexer redis,
    MySqlDataSource database,
    ChannelDirectory channels,
    IOptions<RecommendationOptions> options,
    ILogger<RecallCandidateStore> logger)
{
    private static readonly TimeSpan RebuildRetryGap = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _building = new(1, 1);
    private readonly ConcurrentDictionary<int, CandidateWindow> _lastRead = new();
    private long _rebuildRetryAfterTicks;
    private int _rebuildRunning;

    public static double Hotness(long reads, long likes, long collects, long comments)
        => reads + 2d * likes + 3d * collects + 4d * comments;

    /// <summary>
    /// Reads the top <paramref name="window"/> newest and hottest articles of a channel, with both
    /// scores of each, building the sets first when they are missing.
    /// </summary>
    public Task<CandidateWindow> ReadAsync(int channelId, int window, CancellationToken cancellationToken)
        => ReadAsync(channelId, window, mayRebuild: true, cancellationToken);

    private async Task<CandidateWindow> ReadAsync(int channelId, int window, bool mayRebuild, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var marker = batch.KeyExistsAsync(RecallKeys.BuiltMarker);
        var newest = batch.SortedSetRangeByRankWithScoresAsync(RecallKeys.New(channelId), 0, window - 1, Order.Descending);
        var hottest = batch.SortedSetRangeByRankWithScoresAsync(RecallKeys.Hot(channelId), 0, window - 1, Order.Descending);
        batch.Execute();
        var built = await marker;
        var newEntries = await newest;
        var hotEntries = await hottest;

        if (!built && !await TryEnsureBuiltAsync(newEntries.Length + hotEntries.Length > 0, cancellationToken))
        {
            return await ReadAsync(channelId, window, mayRebuild, cancellationToken);
        }

        if (built && mayRebuild && newEntries.Length + hotEntries.Length == 0
            && !await db.KeyExistsAsync(RecallKeys.New(RecallKeys.RecommendedChannel)))
        {
            // The marker says built but even the all-channels set is gone (deleted by hand, a failover
            // to an empty replica): rebuild now rather than serve an empty feed until the marker expires.
            LogSetsGone();
            await RebuildAsync(cancellationToken);
            return await ReadAsync(channelId, window, mayRebuild: false, cancellationToken);
        }

        var publishedAt = newEntries.ToDictionary(e => (long)e.Element, e => e.Score);
        var hotness = hotEntries.ToDictionary(e => (long)e.Element, e => e.Score);

        // Complete the scores each candidate lacks, in one more round trip.
        var needTime = hotness.Keys.Where(id => !publishedAt.ContainsKey(id)).ToArray();
        var needHot = publishedAt.Keys.Where(id => !hotness.ContainsKey(id)).ToArray();
        if (needTime.Length + needHot.Length > 0)
        {
            var fill = db.CreateBatch();
            var times = needTime.Length > 0 ? fill.SortedSetScoresAsync(RecallKeys.New(channelId), needTime.Select(id => (RedisValue)id).ToArray()) : null;
            var hots = needHot.Length > 0 ? fill.SortedSetScoresAsync(RecallKeys.Hot(channelId), needHot.Select(id => (RedisValue)id).ToArray()) : null;
            fill.Execute();
            var timeScores = times is null ? [] : await times;
            var hotScores = hots is null ? [] : await hots;
            for (var i = 0; i < needTime.Length; i++)
            {
                publishedAt[needTime[i]] = timeScores[i] ?? 0;
            }

            for (var i = 0; i < needHot.Length; i++)
            {
                hotness[needHot[i]] = hotScores[i] ?? 0;
            }
        }

        var candidates = publishedAt
            .Select(p => new Candidate(p.Key, p.Value, hotness[p.Key]))
            .ToList();
        var exhausted = newEntries.Length < window && hotEntries.Length < window;
        var read = new CandidateWindow(candidates, newEntries.Select(e => (long)e.Element).ToList(),
            hotEntries.Select(e => (long)e.Element).ToList(), exhausted);
        _lastRead[channelId] = read;
        return read;
    }

    /// <summary>
    /// The channel's popular page from the lists this process last read, for when Redis fails; empty
    /// if it has not read the channel since it started.
    /// </summary>
    public IReadOnlyList<long> LastReadPopularPage(int channelId, int count)
        => _lastRead.TryGetValue(channelId, out var read) ? PopularPage.Interleave(read.Hottest, read.Newest, count) : [];

    /// <summary>
    /// The sets' freshness marker has expired. Without sets the caller waits for a build and reads
    /// again (false). With the sets of an earlier build still in Redis, those are served (true)
    /// while one rebuild runs in the background: a slow or unreachable MySQL costs freshness, not
    /// a request's time. A failed rebuild is retried after a few seconds.
    /// </summary>
    private async Task<bool> TryEnsureBuiltAsync(bool haveOldSets, CancellationToken cancellationToken)
    {
        if (!haveOldSets)
        {
            await EnsureBuiltAsync(cancellationToken);
            return false;
        }

        if (DateTime.UtcNow.Ticks >= Volatile.Read(ref _rebuildRetryAfterTicks) && Interlocked.Exchange(ref _rebuildRunning, 1) == 0)
        {
            _ = Task.Run(RebuildInBackgroundAsync, CancellationToken.None);
        }

        return true;
    }

    private async Task RebuildInBackgroundAsync()
    {
        try
        {
            await EnsureBuiltAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _rebuildRetryAfterTicks, (DateTime.UtcNow + RebuildRetryGap).Ticks);
            LogServingOldSets(ex);
        }
        finally
        {
            Volatile.Write(ref _rebuildRunning, 0);
        }
    }

    /// <summary>Builds the sets unless they are there; safe to call from many requests and replicas at once.</summary>
    public async Task EnsureBuiltAsync(CancellationToken cancellationToken)
    {
        await _building.WaitAsync(cancellationToken);
        try
        {
            if (await redis.GetDatabase().KeyExistsAsync(RecallKeys.BuiltMarker))
            {
                return;
            }

            await RebuildAsync(cancellationToken);
        }
        finally
        {
            _building.Release();
        }
    }

    /// <summary>
    /// Rebuilds every channel's sets from MySQL. Each set is written under a temporary key and
    /// renamed over the live one, so readers never see a half-built set.
    /// </summary>
    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco recall rebuild");
        var lockToken = Guid.NewGuid().ToString("N");
        var lockTtl = TimeSpan.FromMinutes(2);
        if (!await redis.GetDatabase().StringSetAsync(RecallKeys.BuildLock, lockToken, lockTtl, When.NotExists))
        {
            // Another process builds right now; wait for its marker rather than build twice.
            await WaitForMarkerAsync(lockTtl, cancellationToken);
            return;
        }

        try
        {
            var stopwatch = Stopwatch.StartNew();
            var channelIds = await channels.GetAllAsync(cancellationToken);
            var byChannel = channelIds.ToDictionary(id => id, _ => new List<(long Id, double Time, double Hot)>());
            var all = new List<(long Id, double Time, double Hot)>();

            await using (var command = database.CreateCommand(
                """
                SELECT a.article_id, a.channel_id, a.create_time,
                       COALESCE(s.read_count, 0), COALESCE(s.like_count, 0),
                       COALESCE(s.collect_count, 0), COALESCE(s.comment_count, 0)
                FROM news_article_basic a
                LEFT JOIN news_article_statistic s ON s.article_id = a.article_id
                WHERE a.status = 2
                """))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    var entry = (
                        Id: reader.GetInt64(0),
                        Time: (double)new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
                        Hot: Hotness(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
                    all.Add(entry);
                    if (byChannel.TryGetValue(reader.GetInt32(1), out var list))
                    {
                        list.Add(entry);
                    }
                }
            }

            byChannel[RecallKeys.RecommendedChannel] = all;
            var db = redis.GetDatabase();
            var batch = db.CreateBatch();
            var writes = new List<Task>();
            foreach (var (channelId, entries) in byChannel)
            {
                writes.AddRange(batch.QueueSortedSetReplace(RecallKeys.New(channelId), entries.Select(e => new SortedSetEntry(e.Id, e.Time)).ToList()));
                writes.AddRange(batch.QueueSortedSetReplace(RecallKeys.Hot(channelId), entries.Select(e => new SortedSetEntry(e.Id, e.Hot)).ToList()));
            }

            // The marker outlives two refresh periods, so a stalled refresher makes requests rebuild.
            writes.Add(batch.StringSetAsync(RecallKeys.BuiltMarker, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                options.Value.RefreshInterval * 2 + TimeSpan.FromMinutes(1)));
            batch.Execute();
            await Task.WhenAll(writes);

            LogRebuilt(byChannel.Count, all.Count, stopwatch.ElapsedMilliseconds);
        }
        finally
        {
            // Release only our own lock.
            await redis.GetDatabase().ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [RecallKeys.BuildLock], [lockToken]);
        }
    }

    private async Task WaitForMarkerAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !await redis.GetDatabase().KeyExistsAsync(RecallKeys.BuiltMarker))
        {
            await Task.Delay(100, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The recall sets are gone although their marker is there; rebuilding them")]
    private partial void LogSetsGone();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuilding the recall sets in the background failed; serving the sets of the last build")]
    private partial void LogServingOldSets(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt recall sets of {ChannelCount} channels from {ArticleCount} articles in {ElapsedMs} ms")]
    private partial void LogRebuilt(int channelCount, int articleCount, long elapsedMs);
}

/// <summary>What one recall read saw: candidates with both scores, and each list in its own order.</summary>
public sealed record CandidateWindow(
    IReadOnlyList<Candidate> Candidates,
    IReadOnlyList<long> Newest,
    IReadOnlyList<long> Hottest,
    bool Exhausted);
