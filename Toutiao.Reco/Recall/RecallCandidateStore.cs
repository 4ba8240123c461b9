using System.Diagnostics;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Caching;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Storage;
using Toutiao.Reco.Ranking;
using Toutiao.Reco.Recommend;
using Toutiao.ServiceDefaults.Clients;

namespace Toutiao.Reco.Recall;

/// <summary>A recalled article with both of its recall scores.</summary>
public readonly record struct Candidate(long ArticleId, double PublishedAtMs, double Hotness);

/// <summary>
/// The per-channel recall sets in Redis (<c>ch:{id}:new</c>, <c>ch:{id}:hot</c>), built from MySQL
/// (each channel's newest and hottest <see cref="RecommendationOptions.CandidatesPerChannel"/>),
/// and the copy of them Reco serves from: every channel's candidates in memory, ranked once per
/// build for both A/B buckets. A fresh page then costs no Redis round trip for recall. The copy is
/// reloaded when the sets' marker says they were rebuilt (checked at most every
/// <see cref="SnapshotCheckInterval"/>, in the background), and it is what Reco serves from when
/// Redis is down. Hotness = reads + 2·likes + 3·collects + 4·comments: a comment or a collect says
/// more about interest than a read.
/// </summary>
public sealed partial class RecallCandidateStore
{
    private static readonly TimeSpan RebuildRetryGap = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The build lock's lease, renewed while the build runs: a builder that dies holds the others up
    /// this long, not the two minutes of a lease long enough for any build (CI, 2026-12-07: an
    /// instance that failed to start left the other without candidates for two minutes).
    /// </summary>
    public static readonly TimeSpan BuildLease = TimeSpan.FromSeconds(15);

    /// <summary>How old the in-memory copy may be before the marker is checked again.</summary>
    public static readonly TimeSpan SnapshotCheckInterval = TimeSpan.FromSeconds(2);

    // Sets read 2,000 members a command (a ~1 ms command; each of channel 0's 50,000-member sets read
    // whole held Redis 15-40 ms) and keywords by the hundred (≤ 200 articles each): see ReadInBatchesAsync.
    private const int MembersPerRead = 2_000;
    private const int ChannelsPerBatch = 1;
    private const int KeywordSetsPerBatch = 100;

    private readonly IConnectionMultiplexer redis;
    private readonly MySqlDataSource database;
    private readonly ChannelDirectory channels;
    private readonly FeedRanker ranker;
    private readonly IOptions<RecommendationOptions> options;
    private readonly ILogger<RecallCandidateStore> logger;
    private readonly TimeProvider clock;
    private readonly RefreshingValue<RecallSnapshot> _snapshot;
    private readonly SemaphoreSlim _building = new(1, 1);
    private long _rebuildRetryAfterTicks;
    private int _rebuildRunning;

    public RecallCandidateStore(IConnectionMultiplexer redis, MySqlDataSource database, ChannelDirectory channels, FeedRanker ranker,
        TimeProvider clock, IOptions<RecommendationOptions> options, ILogger<RecallCandidateStore> logger)
    {
        this.redis = redis;
        this.database = database;
        this.channels = channels;
        this.ranker = ranker;
        this.options = options;
        this.logger = logger;
        this.clock = clock;
        _snapshot = new RefreshingValue<RecallSnapshot>("the recall candidates", LoadSnapshotAsync, clock, RebuildRetryGap, logger);
    }

    public static double Hotness(long reads, long likes, long collects, long comments)
        => reads + 2d * likes + 3d * collects + 4d * comments;

    /// <summary>A channel's candidates as this process holds them (loaded on the first call); none for an unknown channel.</summary>
    public async Task<ChannelCandidates> GetAsync(int channelId, CancellationToken cancellationToken)
        => (await _snapshot.GetAsync(SnapshotCheckInterval, cancellationToken)).Channels.GetValueOrDefault(channelId) ?? ChannelCandidates.None;

    /// <summary>
    /// Until the copy in memory was loaded after this call (or the load failed and the copy in hand
    /// stays): a load already running when called may have read the marker before a change.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // No age is young enough (MinValue): the first joins or starts a load, the second starts one.
        await _snapshot.GetAsync(TimeSpan.MinValue, cancellationToken, waitForReload: true);
        await _snapshot.GetAsync(TimeSpan.MinValue, cancellationToken, waitForReload: true);
    }

    /// <summary>When the sets in memory were built (Unix ms), 0 before the first load: the reference time of hot boosts.</summary>
    public long BuiltAt => _lastLoaded?.BuiltAt ?? 0;

    /// <summary>Whether a copy is in memory: until then every request would wait for the first load.</summary>
    public bool IsLoaded => _lastLoaded is not null;

    private volatile RecallSnapshot? _lastLoaded;

    /// <summary>
    /// Loads every channel's sets (a pipeline per channel), unless the marker says they have not changed
    /// since the copy in memory. No marker: the first load builds the sets (and waits for that); later,
    /// the copy in memory is served while one rebuild runs in the background. A marker without
    /// sets (deleted by hand, a failover to an empty replica) is rebuilt at once.
    /// </summary>
    private async Task<RecallSnapshot> LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        // The marker and whether the sets are still there, in one round trip.
        var check = db.CreateBatch();
        var markerRead = check.StringGetAsync(RecallKeys.BuiltMarker);
        var setsRead = check.KeyExistsAsync(RecallKeys.New(RecommendedChannel.Id));
        var hotRead = check.StringGetAsync(RecallKeys.HotVersion);
        var newRead = check.StringGetAsync(RecallKeys.NewVersion);
        check.Execute();
        var marker = await markerRead;
        var setsThere = await setsRead;
        var hotVersion = (long)await hotRead;
        var newVersion = (long)await newRead;
        if (marker.IsNull)
        {
            if (_lastLoaded is { } stale)
            {
                StartBackgroundRebuild();
                return stale;
            }

            await EnsureBuiltAsync(cancellationToken);
            marker = await db.StringGetAsync(RecallKeys.BuiltMarker);
        }

        var builtAt = marker.IsNull ? 0 : (long)marker;
        // Newly published articles are worth a reload at once; raised hot scores only every HotReloadInterval.
        if (_lastLoaded is { } current && current.BuiltAt == builtAt && builtAt != 0 && setsThere && current.NewVersion == newVersion
            && (current.HotVersion == hotVersion || clock.GetUtcNow() - current.LoadedAt < options.Value.HotReloadInterval))
        {
            return current;
        }

        using var activity = RecoTelemetry.Source.StartActivity("reco recall load");
        var snapshot = await ReadSetsAsync(builtAt, hotVersion, newVersion, cancellationToken);
        if (snapshot.Channels.GetValueOrDefault(RecommendedChannel.Id) is not { Newest.Length: > 0 } && builtAt != 0)
        {
            LogSetsGone();
            await RebuildAsync(cancellationToken);
            snapshot = await ReadSetsAsync((long)await db.StringGetAsync(RecallKeys.BuiltMarker), hotVersion, newVersion, cancellationToken);
        }

        activity?.SetTag("toutiao.reco.channels", snapshot.Channels.Count);
        return _lastLoaded = snapshot;
    }

    private async Task<RecallSnapshot> ReadSetsAsync(long builtAt, long hotVersion, long newVersion, CancellationToken cancellationToken)
    {
        var channelIds = (await channels.GetAllAsync(cancellationToken)).Append(RecommendedChannel.Id).Distinct().ToList();
        var db = redis.GetDatabase();
        var keywords = (await db.SetMembersAsync(RecallKeys.Keywords)).Select(k => (string)k!).ToList();
        var channelSets = new List<SortedSetEntry[]>(2 * channelIds.Count);
        foreach (var key in channelIds.SelectMany(id => new[] { RecallKeys.New(id), RecallKeys.Hot(id) }))
        {
            channelSets.Add(await db.SortedSetReadInRangesAsync(key, MembersPerRead, cancellationToken));
        }

        var keywordSets = await db.ReadInBatchesAsync(keywords, KeywordSetsPerBatch,
            (batch, keyword) => batch.SortedSetRangeByRankAsync(RecallKeys.Keyword(keyword), 0, -1, Order.Descending), cancellationToken);

        var loaded = new Dictionary<int, ChannelCandidates>();
        foreach (var (id, i) in channelIds.Select((id, i) => (id, i)))
        {
            var newest = channelSets[2 * i];
            var hottest = channelSets[(2 * i) + 1];
            var hotness = hottest.ToDictionary(e => (long)e.Element, e => e.Score);
            var candidates = newest.Select(e => new Candidate((long)e.Element, e.Score, hotness.GetValueOrDefault((long)e.Element))).ToList();
            loaded[id] = new ChannelCandidates(
                [.. newest.Select(e => (long)e.Element)],
                [.. newest.Select(e => (long)e.Score)],
                [.. hottest.Select(e => (long)e.Element)],
                [.. ranker.Rank(candidates, AlgorithmBucket.Algo1, candidates.Count)],
                [.. ranker.Rank(candidates, AlgorithmBucket.Algo2, candidates.Count)])
            {
                Hotness = hotness,
            };
        }

        var byKeyword = new Dictionary<string, long[]>(keywords.Count, StringComparer.Ordinal);
        for (var i = 0; i < keywords.Count; i++)
        {
            byKeyword[keywords[i]] = [.. keywordSets[i].Select(a => (long)a)];
        }

        var window = loaded.GetValueOrDefault(RecommendedChannel.Id)?.Newest.ToHashSet() ?? [];
        return new RecallSnapshot(builtAt, hotVersion, clock.GetUtcNow(), loaded, Catalog(loaded, await DetailsAsync(window, cancellationToken), byKeyword))
        {
            NewVersion = newVersion,
            BuiltUpTo = (long)await db.StringGetAsync(RecallKeys.BuiltUpTo),
        };
    }

    /// <summary>
    /// The author and keywords of each of the window's articles (<paramref name="candidates"/>), read
    /// from MySQL by id once: both are written with the article (the newsroom's transaction) and never
    /// change, so a load reads only the articles new to the window and keeps the others' from the
    /// last load. Read again at every build, the window's 50,000 were promoted through every
    /// generation on each replica: Reco's collections paused 7-8 ms instead of 1 for the ten seconds
    /// after a build (the bench's half load, 2026-12-07). MySQL away: the last ones read, so a page
    /// never waits.
    /// </summary>
    private async Task<IReadOnlyDictionary<long, ArticleDetails>> DetailsAsync(HashSet<long> candidates, CancellationToken cancellationToken)
    {
        var known = _details;
        try
        {
            var details = new Dictionary<long, ArticleDetails>(candidates.Count);
            var missing = new List<long>();
            foreach (var id in candidates)
            {
                if (known is not null && known.TryGetValue(id, out var article))
                {
                    details[id] = article;
                }
                else
                {
                    missing.Add(id);
                }
            }

            var keywords = new Dictionary<long, List<ArticleKeyword>>();
            await ReadByIdAsync(missing, ids => $"""
                SELECT article_id, user_id FROM news_article_basic WHERE status = 2 AND article_id IN ({ids});
                SELECT article_id, keyword, weight FROM news_article_keyword WHERE article_id IN ({ids}) ORDER BY article_id, weight DESC;
                """, (result, reader) =>
            {
                var id = reader.GetInt64(0);
                if (result == 0)
                {
                    details[id] = new ArticleDetails(reader.GetInt64(1), []);
                }
                else
                {
                    if (!keywords.TryGetValue(id, out var list))
                    {
                        keywords[id] = list = [];
                    }

                    list.Add(new ArticleKeyword(reader.GetString(1), reader.GetDouble(2)));
                }
            }, cancellationToken);

            foreach (var (id, list) in keywords)
            {
                if (details.TryGetValue(id, out var article))
                {
                    details[id] = article with { Keywords = [.. list] };
                }
            }

            _details = details;
            return details;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDetailsUnread(ex);
            return known ?? new Dictionary<long, ArticleDetails>();
        }
    }

    /// <summary>
    /// Rows about the articles <paramref name="ids"/>, asked by id in commands of at most
    /// <see cref="IdsPerRead"/>: what MySQL reads is the window, whatever the catalogue holds.
    /// <paramref name="row"/> gets the index of the command's result set and the row.
    /// </summary>
    private async Task ReadByIdAsync(IReadOnlyList<long> ids, Func<string, string> sql, Action<int, System.Data.Common.DbDataReader> row, CancellationToken cancellationToken)
    {
        foreach (var chunk in ids.Chunk(IdsPerRead))
        {
            // Numbers only: inlined rather than thousands of parameters.
            await using var command = database.CreateCommand(sql(string.Join(',', chunk)));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var result = 0;
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    row(result, reader);
                }

                result++;
            }
            while (await reader.NextResultAsync(cancellationToken));
        }
    }

    private const int IdsPerRead = 2_000;

    private IReadOnlyDictionary<long, ArticleDetails>? _details;

    /// <summary>An article's author and keywords, as MySQL holds them.</summary>
    private readonly record struct ArticleDetails(long Author, ArticleKeyword[] Keywords);

    /// <summary>Each article's channel (the channel whose set holds it), author, publish time and hotness (channel 0's, raised with the channel's).</summary>
    private static ArticleCatalog Catalog(Dictionary<int, ChannelCandidates> channels, IReadOnlyDictionary<long, ArticleDetails> details,
        IReadOnlyDictionary<string, long[]> byKeyword)
    {
        var channelOf = new Dictionary<long, int>();
        foreach (var (channelId, candidates) in channels)
        {
            if (channelId != RecommendedChannel.Id)
            {
                foreach (var id in candidates.Newest)
                {
                    channelOf[id] = channelId;
                }
            }
        }

        var facts = new Dictionary<long, ArticleFacts>(channelOf.Count);
        if (channels.GetValueOrDefault(RecommendedChannel.Id) is { } all)
        {
            for (var i = 0; i < all.Newest.Length; i++)
            {
                if (channelOf.TryGetValue(all.Newest[i], out var channelId))
                {
                    var known = details.GetValueOrDefault(all.Newest[i]);
                    facts[all.Newest[i]] = new ArticleFacts(channelId, all.NewestPublishedAt[i], all.Hotness.GetValueOrDefault(all.Newest[i]), known.Author, known.Keywords);
                }
            }
        }

        return new ArticleCatalog(facts, byKeyword);
    }

    /// <summary>The articles of the recall sets in memory, for the click model (empty before the first load).</summary>
    public async Task<ArticleCatalog> GetCatalogAsync(CancellationToken cancellationToken)
        => (await _snapshot.GetAsync(SnapshotCheckInterval, cancellationToken)).Catalog;

    private void StartBackgroundRebuild()
    {
        if (DateTime.UtcNow.Ticks >= Volatile.Read(ref _rebuildRetryAfterTicks) && Interlocked.Exchange(ref _rebuildRunning, 1) == 0)
        {
            _ = Task.Run(RebuildInBackgroundAsync, CancellationToken.None);
        }
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
        while (!await redis.GetDatabase().StringSetAsync(RecallKeys.BuildLock, lockToken, BuildLease, When.NotExists))
        {
            // Another process builds right now: wait for its marker rather than build twice. Its
            // lease ending without one (it died) leaves the build to us.
            if (await WaitForMarkerAsync(cancellationToken))
            {
                activity?.SetTag("toutiao.reco.outcome", "built_elsewhere");
                return;
            }
        }

        using var building = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewLeaseAsync(lockToken, building.Token);
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var channelIds = await channels.GetAllAsync(cancellationToken);
            var perChannel = options.Value.CandidatesPerChannel;
            var windows = channelIds.ToDictionary(id => id, _ => new CandidateWindow(perChannel));
            var all = new CandidateWindow(perChannel);
            long upTo = 0;
            var read = 0;

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
                    upTo = Math.Max(upTo, entry.Id);
                    read++;
                    if (windows.TryGetValue(reader.GetInt32(1), out var window))
                    {
                        window.Add(entry);
                    }
                }
            }

            windows[RecommendedChannel.Id] = all;
            var byChannel = windows.ToDictionary(w => w.Key, w => w.Value.ToList());

            var byKeyword = await KeywordSetsAsync(byChannel[RecommendedChannel.Id], cancellationToken);
            var db = redis.GetDatabase();
            await db.WriteInBatchesAsync(byChannel, ChannelsPerBatch, (batch, channel) => [
                .. batch.QueueSortedSetReplace(RecallKeys.New(channel.Key), channel.Value.Select(e => new SortedSetEntry(e.Id, e.Time)).ToList()),
                .. batch.QueueSortedSetReplace(RecallKeys.Hot(channel.Key), channel.Value.Select(e => new SortedSetEntry(e.Id, e.Hot)).ToList())],
                cancellationToken);

            await db.WriteInBatchesAsync(byKeyword, KeywordSetsPerBatch, (batch, keyword) => batch.QueueSortedSetReplace(RecallKeys.Keyword(keyword.Key), keyword.Value),
                cancellationToken);
            // A keyword no article of the window has any more loses its set: the sets stay the window's.
            var gone = (await db.SetMembersAsync(RecallKeys.Keywords)).Select(k => (string)k!).Where(k => !byKeyword.ContainsKey(k)).ToList();
            await db.WriteInBatchesAsync(gone, KeywordSetsPerBatch, (batch, keyword) => [batch.KeyDeleteAsync(RecallKeys.Keyword(keyword))], cancellationToken);
            var writes = new List<Task>();
            var last = db.CreateBatch();
            if (byKeyword.Count > 0)
            {
                writes.Add(last.SetAddAsync(RecallKeys.Keywords, [.. byKeyword.Keys.Select(k => (RedisValue)k)]));
            }

            if (gone.Count > 0)
            {
                writes.Add(last.SetRemoveAsync(RecallKeys.Keywords, [.. gone.Select(k => (RedisValue)k)]));
            }

            writes.Add(last.StringSetAsync(RecallKeys.BuiltUpTo, upTo));
            // Written last, so a build that failed half-way leaves no marker and is done again. It
            // outlives two refresh periods, so a stalled refresher makes requests rebuild.
            writes.Add(last.StringSetAsync(RecallKeys.BuiltMarker, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                options.Value.RefreshInterval * 2 + TimeSpan.FromMinutes(1)));
            last.Execute();
            await Task.WhenAll(writes);

            LogRebuilt(byChannel.Count, read, byChannel[RecommendedChannel.Id].Count, stopwatch.ElapsedMilliseconds);
        }
        finally
        {
            await building.CancelAsync();
            await renewing;
            // Release only our own lock.
            await redis.GetDatabase().ScriptEvaluateAsync(
                "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [RecallKeys.BuildLock], [lockToken]);
        }
    }

    /// <summary>
    /// Adds the articles approved since the sets were built (newer than any in memory: the
    /// newsroom's) to their channel's and channel 0's sets and raises <see cref="RecallKeys.NewVersion"/>,
    /// so every replica's copy has them within <see cref="SnapshotCheckInterval"/>: the <c>new</c>
    /// source sees an article seconds after it is published, not at the next build. Idempotent
    /// (<c>ZADD NX</c>), so replicas doing it at once do no harm. Returns how many were added.
    /// More than <see cref="RecommendationOptions.PublishedAddedAtOnce"/> since the build (an import, a long outage) is a
    /// rebuild instead: commands by the million would hold Redis for minutes, and the window applies.
    /// </summary>
    public async Task<int> AddPublishedAsync(CancellationToken cancellationToken)
    {
        if (_lastLoaded is not { } loaded || loaded.Catalog.Articles.Count == 0)
        {
            return 0;
        }

        var after = Math.Max(loaded.Catalog.NewestArticleId, loaded.BuiltUpTo);
        var limit = options.Value.PublishedAddedAtOnce;
        var published = new List<(long Id, int Channel, double Time, double Hot)>();
        await using (var command = database.CreateCommand("""
            SELECT a.article_id, a.channel_id, a.create_time,
                   COALESCE(s.read_count, 0), COALESCE(s.like_count, 0), COALESCE(s.collect_count, 0), COALESCE(s.comment_count, 0)
            FROM news_article_basic a LEFT JOIN news_article_statistic s ON s.article_id = a.article_id
            WHERE a.status = 2 AND a.article_id > @after ORDER BY a.article_id LIMIT @limit
            """))
        {
            command.Parameters.Add(new MySqlParameter("@after", after));
            command.Parameters.Add(new MySqlParameter("@limit", limit + 1));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                published.Add((reader.GetInt64(0), reader.GetInt32(1),
                    new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc)).ToUnixTimeMilliseconds(),
                    Hotness(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6))));
            }
        }

        if (published.Count == 0)
        {
            return 0;
        }

        if (published.Count > limit)
        {
            LogTooManyPublished(limit);
            await RebuildAsync(cancellationToken);
            await RefreshAsync(cancellationToken);
            return 0;
        }

        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = new List<Task<bool>>();
        var added = new List<Task<bool>>();
        foreach (var article in published)
        {
            added.Add(batch.SortedSetAddAsync(RecallKeys.New(RecommendedChannel.Id), article.Id, article.Time, SortedSetWhen.NotExists));
            writes.Add(batch.SortedSetAddAsync(RecallKeys.Hot(RecommendedChannel.Id), article.Id, article.Hot, SortedSetWhen.NotExists));
            writes.Add(batch.SortedSetAddAsync(RecallKeys.New(article.Channel), article.Id, article.Time, SortedSetWhen.NotExists));
            writes.Add(batch.SortedSetAddAsync(RecallKeys.Hot(article.Channel), article.Id, article.Hot, SortedSetWhen.NotExists));
        }

        var keywordWrites = new List<Task>();
        var publishedAt = published.ToDictionary(a => a.Id, a => a.Time);
        await using (var command = database.CreateCommand("SELECT article_id, keyword FROM news_article_keyword WHERE article_id > @after AND article_id <= @last"))
        {
            command.Parameters.Add(new MySqlParameter("@after", after));
            command.Parameters.Add(new MySqlParameter("@last", published.Max(a => a.Id)));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (publishedAt.TryGetValue(reader.GetInt64(0), out var time))
                {
                    var key = RecallKeys.Keyword(reader.GetString(1));
                    keywordWrites.Add(batch.SortedSetAddAsync(key, reader.GetInt64(0), time, SortedSetWhen.NotExists));
                    keywordWrites.Add(batch.SortedSetRemoveRangeByRankAsync(key, 0, -RecallKeys.ArticlesPerKeyword - 1));
                    keywordWrites.Add(batch.SetAddAsync(RecallKeys.Keywords, reader.GetString(1)));
                }
            }
        }

        batch.Execute();
        await Task.WhenAll(writes.Concat(added).Concat(keywordWrites));
        var count = added.Count(a => a.Result);
        if (count == 0)
        {
            // Another replica added them first and raised the version: nothing more to say.
            return 0;
        }

        await db.StringIncrementAsync(RecallKeys.NewVersion);
        LogPublishedAdded(count);
        return count;
    }

    /// <summary>
    /// Each keyword's newest articles of the window (channel 0's candidates, at most
    /// <see cref="RecallKeys.ArticlesPerKeyword"/>): content recall draws from the window, as every source does.
    /// </summary>
    private async Task<Dictionary<string, List<SortedSetEntry>>> KeywordSetsAsync(List<(long Id, double Time, double Hot)> window, CancellationToken cancellationToken)
    {
        var publishedAt = window.ToDictionary(a => a.Id, a => a.Time);
        var byKeyword = new Dictionary<string, List<SortedSetEntry>>(StringComparer.Ordinal);
        await ReadByIdAsync([.. publishedAt.Keys], ids => $"SELECT article_id, keyword FROM news_article_keyword WHERE article_id IN ({ids})", (_, reader) =>
        {
            var keyword = reader.GetString(1);
            if (!byKeyword.TryGetValue(keyword, out var entries))
            {
                byKeyword[keyword] = entries = [];
            }

            entries.Add(new SortedSetEntry(reader.GetInt64(0), publishedAt[reader.GetInt64(0)]));
        }, cancellationToken);

        foreach (var keyword in byKeyword.Keys.ToList())
        {
            byKeyword[keyword] = [.. byKeyword[keyword].OrderByDescending(e => e.Score).ThenByDescending(e => (long)e.Element).Take(RecallKeys.ArticlesPerKeyword)];
        }

        return byKeyword;
    }

    /// <summary>Until the sets' marker is there (true) or the builder's lease is gone without one (false).</summary>
    private async Task<bool> WaitForMarkerAsync(CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        while (true)
        {
            if (await db.KeyExistsAsync(RecallKeys.BuiltMarker))
            {
                return true;
            }

            if (!await db.KeyExistsAsync(RecallKeys.BuildLock))
            {
                return await db.KeyExistsAsync(RecallKeys.BuiltMarker);
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Extends our build lock every third of its lease while the build runs; a failed extension is tried again at the next.</summary>
    private async Task RenewLeaseAsync(string lockToken, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(BuildLease / 3, clock);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await redis.GetDatabase().ScriptEvaluateAsync(
                        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
                        [RecallKeys.BuildLock], [lockToken, (long)BuildLease.TotalMilliseconds]);
                }
                catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
                {
                    // The build's own writes fail the same way; the lease runs out if it stays away.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The build ended.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the articles' authors and keywords failed; recall and the click model see the last ones read")]
    private partial void LogDetailsUnread(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "More than {Limit} articles were approved since the recall sets were built; rebuilding them rather than adding each")]
    private partial void LogTooManyPublished(int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Added {ArticleCount} newly published articles to the recall sets")]
    private partial void LogPublishedAdded(int articleCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The recall sets are gone although their marker is there; rebuilding them")]
    private partial void LogSetsGone();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuilding the recall sets in the background failed; serving the sets of the last build")]
    private partial void LogServingOldSets(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuilt recall sets of {ChannelCount} channels from {ArticleCount} articles ({CandidateCount} kept as channel 0's candidates) in {ElapsedMs} ms")]
    private partial void LogRebuilt(int channelCount, int articleCount, int candidateCount, long elapsedMs);
}

/// <summary>The recall candidates of every channel as one build left them, in memory.</summary>
/// <param name="BuiltAt">The build's marker value (Unix ms).</param>
public sealed record RecallSnapshot(long BuiltAt, long HotVersion, DateTimeOffset LoadedAt, IReadOnlyDictionary<int, ChannelCandidates> Channels, ArticleCatalog Catalog)
{
    /// <summary>The <see cref="RecallKeys.NewVersion"/> the sets had when read.</summary>
    public long NewVersion { get; init; }

    /// <summary>The <see cref="RecallKeys.BuiltUpTo"/> of the build (0 for a build before it was kept).</summary>
    public long BuiltUpTo { get; init; }
}

/// <summary>
/// A channel's candidates: newest first (with their publish times, Unix ms), hottest first, and
/// ranked for each A/B bucket.
/// </summary>
public sealed record ChannelCandidates(long[] Newest, long[] NewestPublishedAt, long[] Hottest, long[] RankedAlgo1, long[] RankedAlgo2)
{
    public static readonly ChannelCandidates None = new([], [], [], [], []);

    /// <summary>Each article's hot score.</summary>
    public IReadOnlyDictionary<long, double> Hotness { get; init; } = new Dictionary<long, double>();

    /// <summary>
    /// The newest <paramref name="count"/> articles published before <paramref name="timestamp"/>,
    /// and the timestamp that asks for the ones after them (0: there are none): a feed that needs
    /// no state per reader. A page ending inside a group of articles published at the same
    /// millisecond takes the whole group, so asking "before" the next timestamp skips none.
    /// </summary>
    public (ArraySegment<long> Page, long Next) PublishedBefore(long timestamp, int count)
    {
        // NewestPublishedAt is descending: find the first article older than the timestamp.
        int low = 0, high = NewestPublishedAt.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (NewestPublishedAt[middle] < timestamp) high = middle; else low = middle + 1;
        }

        var end = Math.Min(low + count, Newest.Length);
        while (end > low && end < Newest.Length && NewestPublishedAt[end] == NewestPublishedAt[end - 1])
        {
            end++;
        }

        return (new ArraySegment<long>(Newest, low, end - low), end < Newest.Length && end > low ? NewestPublishedAt[end - 1] : 0);
    }

    public long[] RankedFor(string algorithm) => algorithm == AlgorithmBucket.Algo2 ? RankedAlgo2 : RankedAlgo1;

    /// <summary>The non-personalised page: hottest and newest in turn.</summary>
    public IReadOnlyList<long> PopularPage(int count) => Contracts.Recall.PopularPage.Interleave(Hottest, Newest, count);
}
