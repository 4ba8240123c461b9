using System.Collections.Concurrent;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Articles;

/// <summary>
/// Carries a committed change of an article's count (a comment, a like, a collection) into the
/// cache's counters. MySQL's commit is the write's truth, so the client is told it is done whatever
/// Redis does: a change Redis did not take in time is remembered and repaired from MySQL
/// (<c>news_article_statistic</c>) once the cache answers again, so the counters agree within
/// seconds of a recovery. So is a change that finds the article's counter bucket not loaded: a page's
/// load of it may have read MySQL before the change, so the count is set from MySQL if the bucket is
/// loaded within <see cref="NotLoadedRepairWindow"/> (longer than a reading may wait to be written,
/// <see cref="ArticleCounterLoader.ReadingLifetime"/>); a bucket loaded later reads MySQL after the
/// change. What is remembered is this process's: a Web stopped before the repair leaves that count
/// off until the bucket is loaded again.
/// </summary>
public sealed partial class ArticleCounterUpdates(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    [FromKeyedServices(RedisConnections.Cache)] StorageGuard guard,
    MySqlDataSource database,
    LocalCardCache local,
    ILogger<ArticleCounterUpdates> logger) : BackgroundService
{
    /// <summary>The counters that a repair sets from MySQL, by the column that holds their truth.</summary>
    private static readonly Dictionary<ArticleCounter, string> Columns = new()
    {
        [ArticleCounter.Comments] = "comment_count",
        [ArticleCounter.Likes] = "like_count",
        [ArticleCounter.Collects] = "collect_count",
    };

    /// <summary>How long a change whose bucket was not loaded waits for a load to set it after: a reading written back is at most <see cref="ArticleCounterLoader.ReadingLifetime"/> old, plus its write's share of a budget.</summary>
    public static readonly TimeSpan NotLoadedRepairWindow = ArticleCounterLoader.ReadingLifetime + TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Counts to set from MySQL, with when their bucket was last found not loaded (null: Redis failed, repaired whenever it answers).</summary>
    private readonly ConcurrentDictionary<(ArticleCounter Counter, long ArticleId), long?> _stale = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Counts waiting for their repair.</summary>
    public int Pending => _stale.Count;

    /// <summary>Adds <paramref name="delta"/> to an article's counter; never fails the caller, whose write is committed.</summary>
    public async Task AddAsync(ArticleCounter counter, long articleId, long delta)
    {
        if (!Columns.ContainsKey(counter))
        {
            throw new ArgumentException($"{counter} is not repaired from MySQL by this class.", nameof(counter));
        }

        try
        {
            if (!await guard.RunAsync(() => cache.GetDatabase().AddIfLoadedAsync(counter, [KeyValuePair.Create(articleId, delta)]), CancellationToken.None))
            {
                // Not loaded: a page's load now under way may have read MySQL before this change was
                // committed, so the count is set from MySQL after it, if it lands.
                Defer(counter, articleId, Environment.TickCount64, "its counter bucket is not loaded");
            }
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // The change may still reach Redis (a frozen server runs it when thawed): the repair sets the
            // count from MySQL after it, on the same connection, so it ends right either way.
            Defer(counter, articleId, null, ex.Message);
        }
        finally
        {
            // The writer's next page shows its change even before the published one is heard.
            local.ForgetCounts(ArticleCounters.Bucket(articleId));
        }
    }

    private void Defer(ArticleCounter counter, long articleId, long? notLoadedAt, string reason)
    {
        // A Redis failure is kept as one: that change may still land, so the count is set whatever the bucket.
        _stale.AddOrUpdate((counter, articleId), notLoadedAt, (_, earlier) => earlier is null || notLoadedAt is null ? null : notLoadedAt);
        LogDeferred(counter, articleId, reason);
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A repair is already due.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(stoppingToken);
                while (!_stale.IsEmpty && !await RepairAsync(stoppingToken))
                {
                    await Task.Delay(RetryInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Sets every remembered count from MySQL; false while a server still fails.</summary>
    public async Task<bool> RepairAsync(CancellationToken cancellationToken)
    {
        var stale = _stale.Keys.ToList();
        if (stale.Count == 0)
        {
            return true;
        }

        try
        {
            var ids = stale.Select(s => s.ArticleId).Distinct().ToList();
            var truth = new Dictionary<long, Dictionary<ArticleCounter, long>>();
            await using (var command = database.CreateCommand(
                $"SELECT article_id, {string.Join(", ", Columns.Values)} FROM news_article_statistic WHERE article_id IN ({string.Join(",", ids)})"))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    truth[reader.GetInt64(0)] = Columns.Keys.Select((counter, i) => (counter, Convert.ToInt64(reader.GetValue(i + 1), System.Globalization.CultureInfo.InvariantCulture)))
                        .ToDictionary(c => c.counter, c => c.Item2);
                }
            }

            var batch = cache.GetDatabase().CreateBatch();
            var writes = stale.GroupBy(s => (s.Counter, Bucket: ArticleCounters.Bucket(s.ArticleId))).Select(bucket => (Stale: bucket.ToList(), Set: batch.SetIfLoadedAsync(bucket.Key.Counter,
                bucket.Select(s => KeyValuePair.Create(s.ArticleId, truth.GetValueOrDefault(s.ArticleId)?.GetValueOrDefault(s.Counter) ?? 0)).ToList()))).ToList();
            batch.Execute();
            await Task.WhenAll(writes.Select(w => w.Set));
            // A bucket not loaded keeps its changes for the next try: set after its load, they end right.
            // Past the window no reading that missed them can still be written, and a later load reads them.
            var repaired = writes.Where(w => w.Set.Result).SelectMany(w => w.Stale).ToList();
            var expired = new List<(ArticleCounter, long)>();
            var now = Environment.TickCount64;
            foreach (var count in writes.Where(w => !w.Set.Result).SelectMany(w => w.Stale))
            {
                if (_stale.TryGetValue(count, out var notLoadedAt) && notLoadedAt is null)
                {
                    // Redis answered on the connection the failed change went by, so that change is done
                    // with; from here the count waits as one whose bucket is not loaded.
                    _stale[count] = now;
                }
                else if (now - notLoadedAt > NotLoadedRepairWindow.TotalMilliseconds)
                {
                    expired.Add(count);
                }
            }

            foreach (var count in repaired.Concat(expired))
            {
                _stale.TryRemove(count, out _);
            }

            if (repaired.Count > 0)
            {
                LogRepaired(repaired.Count);
            }

            return repaired.Count + expired.Count == stale.Count;
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counter {Counter} of article {ArticleId} not updated in the cache ({Reason}): repaired from MySQL when it answers")]
    private partial void LogDeferred(ArticleCounter counter, long articleId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repaired {Count} article counters from MySQL")]
    private partial void LogRepaired(int count);
}
