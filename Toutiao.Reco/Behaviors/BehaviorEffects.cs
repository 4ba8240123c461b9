using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Behaviors;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Reco.History;
using Toutiao.Reco.Profiles;
using Toutiao.Reco.Recall;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Behaviors;

/// <summary>
/// Applies behaviour-stream entries, each once however often it is delivered. MySQL is the truth and
/// the guard: in one transaction the entry ids go into <c>news_behavior_applied</c> (an id already
/// there is a duplicate, skipped) and the new reads into <c>news_article_statistic.read_count</c>.
/// Then, for the new entries only, Redis follows: the read counter Web shows (only when the counters
/// are loaded; otherwise Web's warm-up loads them from MySQL, this read included) and the reader's
/// read articles, never recommended to them again. A crash between the two leaves Redis one read
/// behind until the counters are next loaded from MySQL; it never counts a read twice.
/// </summary>
public sealed class BehaviorEffects(
    MySqlDataSource database,
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    UserFeedHistory history,
    ReaderProfileStore profiles,
    CoReadNeighbours coReads,
    RecallCandidateStore recall,
    IOptions<RecommendationOptions> options,
    BehaviorMetrics metrics,
    Experiments experiments,
    RecoTelemetry telemetry)
{
    /// <summary>What an action adds to an article's hotness: a read as much as a read in the stored counts, a click half.</summary>
    public static double HotWeight(string action) => action switch { "read" => 1, "click" => 0.5, _ => 0 };

    /// <summary>Applies <paramref name="entries"/> (acknowledging is the caller's) and returns how many were new.</summary>
    public async Task<int> ApplyAsync(IReadOnlyList<StreamEntry> entries, CancellationToken cancellationToken)
    {
        var behaviors = new List<StreamBehavior>(entries.Count);
        foreach (var entry in entries)
        {
            if (StreamBehavior.TryRead(entry) is { } behavior)
            {
                behaviors.Add(behavior);
            }
            else
            {
                metrics.Malformed();
            }
        }

        // One span for the batch, linked to the request that reported each entry.
        using var activity = RecoTelemetry.Source.StartActivity("behavior apply", ActivityKind.Consumer, parentContext: default,
            links: behaviors.Select(b => b.Producer).OfType<ActivityContext>().Distinct().Select(c => new ActivityLink(c)));
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", BehaviorStream.Events);
        activity?.SetTag("messaging.batch.message_count", entries.Count);

        var (fresh, articles) = await RecordAsync(behaviors, cancellationToken);
        var channels = articles.ToDictionary(a => a.Key, a => a.Value.Channel);
        var reads = fresh.Where(b => b.Action == "read" && b.Counted).GroupBy(b => b.ArticleId).ToDictionary(g => g.Key, g => g.Count());
        // Read, opened or disliked: not recommended to that reader again.
        var opened = fresh.Where(b => b.Action is "read" or "click" or "dislike").Select(b => new ArticleRead(b.UserId, b.ArticleId, b.ReportedAtMs)).ToList();
        // What the reader did says what they like: their profile, for their next page of 推荐. The
        // articles' keywords come from the catalogue in memory (no round trip); a follow names an author only.
        var catalog = recall.IsLoaded ? await recall.GetCatalogAsync(cancellationToken) : Ranking.ArticleCatalog.Empty;
        var signals = fresh.Where(b => channels.ContainsKey(b.ArticleId))
            .Select(b => new ProfileSignal(b.UserId, channels[b.ArticleId], ProfileSignals.Weight(b.Action, b.ReadTimeSeconds), b.ReportedAtMs,
                articles[b.ArticleId].Author, catalog.TryGet(b.ArticleId, out var facts) ? facts.KeywordList : null))
            .Concat(fresh.Where(b => ProfileSignals.IsAboutAuthor(b.Action) && b.AuthorId > 0)
                .Select(b => new ProfileSignal(b.UserId, 0, ProfileSignals.Weight(b.Action, null), b.ReportedAtMs, b.AuthorId)))
            .ToList();
        // Taken up together by one reader: neighbours for item-to-item recall.
        var taken = fresh.Where(b => b.Action is "click" or "read" && channels.ContainsKey(b.ArticleId))
            .Select(b => new ArticleTaken(b.UserId, b.ArticleId, b.ReportedAtMs)).ToList();
        await Task.WhenAll(IncrementReadCountersAsync(reads), history.MarkReadAsync(opened), RaiseHotnessAsync(fresh, channels),
            profiles.ApplyAsync(signals, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), coReads.RecordAsync(taken));

        activity?.SetTag("toutiao.behaviors.applied", fresh.Count);
        activity?.SetTag("toutiao.behaviors.duplicates", behaviors.Count - fresh.Count);
        foreach (var behavior in fresh)
        {
            metrics.Applied(behavior.Action, behavior.ReportedAtMs);
            if (behavior.UserId.Length > 0 && behavior.Action is "click" or "read" or "collect" or "share")
            {
                telemetry.RecordFeedback(experiments.ArmFor(behavior.UserId), behavior.Action);
            }
        }

        metrics.Duplicates(behaviors.Count - fresh.Count);
        return fresh.Count;
    }

    /// <summary>
    /// Forgets every applied entry id older than <paramref name="retention"/>, whatever the rate they
    /// came in at: deletes of a bounded size (short locks, a small undo log) until one finds fewer.
    /// Returns how many.
    /// </summary>
    public async Task<long> ForgetAppliedAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        const int perDelete = 10_000;
        long forgotten = 0;
        int deleted;
        do
        {
            await using var command = database.CreateCommand(
                $"DELETE FROM news_behavior_applied WHERE applied_at < NOW() - INTERVAL @seconds SECOND LIMIT {perDelete}");
            command.Parameters.Add(new MySqlParameter("@seconds", (long)retention.TotalSeconds));
            deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            forgotten += deleted;
        }
        while (deleted == perDelete);

        return forgotten;
    }

    /// <summary>
    /// The guard and the truth in one transaction; returns the behaviours not applied before, and
    /// the channel and author of each of their articles.
    /// </summary>
    private async Task<(List<StreamBehavior> Fresh, Dictionary<long, (int Channel, long Author)> Articles)> RecordAsync(List<StreamBehavior> behaviors, CancellationToken cancellationToken)
    {
        var channels = new Dictionary<long, (int Channel, long Author)>();
        if (behaviors.Count == 0)
        {
            return ([], channels);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Locks the ids that are there; a consumer applying the same entry at the same time waits
        // here, then finds it (or fails on the key and retries later).
        // An entry's id, and for a reported action its once-key too: a replay that reached the stream
        // anyway (Web's mark lost, a report written around Web) is a duplicate here.
        var ids = behaviors.Select(b => b.EventId).Concat(behaviors.Select(b => b.Once).OfType<string>()).Distinct().ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        await using (var select = new MySqlCommand("", connection, transaction))
        {
            select.CommandText = $"SELECT event_id FROM news_behavior_applied WHERE event_id IN ({Parameters(select, "e", ids)}) FOR UPDATE";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                seen.Add(reader.GetString(0));
            }
        }

        var fresh = behaviors.Where(b => !seen.Contains(b.EventId) && (b.Once is null || !seen.Contains(b.Once)))
            .Where(b => seen.Add(b.EventId) && (b.Once is null || seen.Add(b.Once))).ToList();
        if (fresh.Count == 0)
        {
            return (fresh, channels);
        }

        await using (var insert = new MySqlCommand("", connection, transaction))
        {
            insert.CommandText = "INSERT INTO news_behavior_applied (event_id) VALUES ("
                + Parameters(insert, "n", fresh.Select(b => b.EventId).Concat(fresh.Select(b => b.Once).OfType<string>()).ToList()).Replace(", ", "), (", StringComparison.Ordinal) + ")";
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var reads = fresh.Where(b => b.Action == "read" && b.Counted).GroupBy(b => b.ArticleId).ToList();
        if (reads.Count > 0)
        {
            await using var counts = new MySqlCommand("", connection, transaction);
            counts.CommandText = "INSERT INTO news_article_statistic (article_id, read_count) VALUES "
                + string.Join(", ", reads.Select((g, i) => $"(@a{i}, @n{i})"))
                + " ON DUPLICATE KEY UPDATE read_count = read_count + VALUES(read_count)";
            foreach (var (group, i) in reads.Select((g, i) => (g, i)))
            {
                counts.Parameters.AddWithValue($"@a{i}", group.Key);
                counts.Parameters.AddWithValue($"@n{i}", group.Count());
            }

            await counts.ExecuteNonQueryAsync(cancellationToken);
        }

        var articleIds = fresh.Where(b => HotWeight(b.Action) > 0 || (ProfileSignals.Weight(b.Action, b.ReadTimeSeconds) != 0 && !ProfileSignals.IsAboutAuthor(b.Action))).Select(b => b.ArticleId.ToString(CultureInfo.InvariantCulture)).Distinct().ToList();
        if (articleIds.Count > 0)
        {
            await using var select = new MySqlCommand("", connection, transaction);
            select.CommandText = $"SELECT article_id, channel_id, user_id FROM news_article_basic WHERE status = 2 AND article_id IN ({Parameters(select, "a", articleIds)})";
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                channels[reader.GetInt64(0)] = (reader.GetInt32(1), reader.GetInt64(2));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return (fresh, channels);
    }

    private static string Parameters(MySqlCommand command, string prefix, IReadOnlyList<string> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            command.Parameters.AddWithValue($"@{prefix}{i}", values[i]);
        }

        return string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"));
    }

    /// <summary>
    /// Raises the hot scores of read and clicked articles in their channel and in channel 0, by
    /// weight · 2^((t − b) / half-life) for an event at t and sets built at b: newer events weigh
    /// more, which orders articles as exponentially decaying boosts would, without rewriting every
    /// score as time passes. The next build starts again from the counts in MySQL (reads kept,
    /// clicks forgotten). Only articles in the sets are raised (<c>ZADD XX INCR</c>).
    /// </summary>
    private async Task RaiseHotnessAsync(List<StreamBehavior> fresh, Dictionary<long, int> channels)
    {
        var builtAt = recall.BuiltAt;
        var halfLifeMs = options.Value.HotBoostHalfLifeHours * 3_600_000;
        var boosts = fresh.Where(b => HotWeight(b.Action) > 0 && b.Counted && channels.ContainsKey(b.ArticleId))
            .GroupBy(b => b.ArticleId)
            .Select(g => (ArticleId: g.Key, Boost: g.Sum(b => HotWeight(b.Action) * Math.Pow(2, builtAt == 0 ? 0 : (b.ReportedAtMs - builtAt) / halfLifeMs))))
            .ToList();
        if (boosts.Count == 0)
        {
            return;
        }

        var batch = redis.GetDatabase().CreateBatch();
        var writes = new List<Task>();
        foreach (var (articleId, boost) in boosts)
        {
            foreach (var channel in new[] { channels[articleId], RecommendedChannel.Id })
            {
                writes.Add(batch.ExecuteAsync("ZADD", (RedisKey)RecallKeys.Hot(channel), "XX", "INCR", boost, articleId));
            }
        }

        writes.Add(batch.StringIncrementAsync(RecallKeys.HotVersion));
        batch.Execute();
        await Task.WhenAll(writes);
    }

    private Task IncrementReadCountersAsync(Dictionary<long, int> reads)
        => cache.GetDatabase().AddIfLoadedAsync(ArticleCounter.Reads, reads.Select(r => KeyValuePair.Create(r.Key, (long)r.Value)).ToList());
}

/// <summary>One entry of <see cref="BehaviorStream.Events"/>, as Web appended it; <paramref name="AuthorId"/>: the user followed or unfollowed, else 0.</summary>
public sealed record StreamBehavior(string EventId, string Action, string UserId, long ArticleId, long ReportedAtMs, ActivityContext? Producer, int? ReadTimeSeconds = null,
    long AuthorId = 0)
{
    /// <summary>A reported action's once-key (<see cref="BehaviorStream.Fields.Once"/>); null for the app's actions and older entries.</summary>
    public string? Once { get; init; }

    /// <summary>Whether it raises the article's read count and hotness (<see cref="BehaviorStream.Fields.Counted"/>); it always counts for the reader.</summary>
    public bool Counted { get; init; } = true;

    public static StreamBehavior? TryRead(StreamEntry entry)
    {
        var action = (string?)entry[BehaviorStream.Fields.Action];
        var user = (string?)entry[BehaviorStream.Fields.User];
        if (action is null || user is null
            || !long.TryParse((string?)entry[BehaviorStream.Fields.Article], NumberStyles.None, CultureInfo.InvariantCulture, out var articleId)
            || !long.TryParse((string?)entry[BehaviorStream.Fields.ReportedAt], NumberStyles.None, CultureInfo.InvariantCulture, out var reportedAt))
        {
            return null;
        }

        ActivityContext? producer = ActivityContext.TryParse((string?)entry[BehaviorStream.Fields.TraceParent], null, out var context) ? context : null;
        int? readTime = int.TryParse((string?)entry[BehaviorStream.Fields.ReadTime], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
        // Only follow and unfollow have one; entries appended before the field existed have none.
        var author = long.TryParse((string?)entry[BehaviorStream.Fields.Author], NumberStyles.None, CultureInfo.InvariantCulture, out var authorId) ? authorId : 0;
        var once = (string?)entry[BehaviorStream.Fields.Once];
        return new StreamBehavior(entry.Id!, action, user, articleId, reportedAt, producer, readTime, author) { Once = string.IsNullOrEmpty(once) ? null : once, Counted = (string?)entry[BehaviorStream.Fields.Counted] != "0" };
    }
}
