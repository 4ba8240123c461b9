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
/// seconds of a recovery. So is a change that finds the counters not loaded (the cache server just
/// restarted): the load under way may have read MySQL before the change, so the count is set from
/// MySQL once the counter is loaded. What is remembered is this process's: a Web stopped before the repair
/// leaves that count off until the article's counters are reloaded.
/// </summary>
public sealed partial class ArticleCounterUpdates(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    [FromKeyedServices(RedisConnections.Cache)] StorageGuard guard,
    MySqlDataSource database,
    ILogger<ArticleCounterUpdates> logger) : BackgroundService
{
    /// <summary>The counters that a repair sets from MySQL, by the column that holds their truth.</summary>
    private static readonly Dictionary<string, string> Columns = new()
    {
        [ArticleCounters.Comments] = "comment_count",
        [ArticleCounters.Likes] = "like_count",
        [ArticleCounters.Collects] = "collect_count",
    };

    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(string Counter, long ArticleId), byte> _stale = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Counts waiting for their repair.</summary>
    public int Pending => _stale.Count;

    /// <summary>Adds <paramref name="delta"/> to an article's counter; never fails the caller, whose write is committed.</summary>
    public async Task AddAsync(string counter, long articleId, long delta)
    {
        if (!Columns.ContainsKey(counter))
        {
            throw new ArgumentException($"{counter} is not repaired from MySQL by this class.", nameof(counter));
        }

        try
        {
            if (!await guard.RunAsync(() => cache.GetDatabase().AddIfLoadedAsync(counter, [KeyValuePair.Create(articleId, delta)]), CancellationToken.None))
            {
                // Not loaded (the cache server just restarted): a load now under way may have read
                // MySQL before this change was committed, so the count is set from MySQL after it.
                Defer(counter, articleId, "the counters are not loaded");
            }
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // The change may still reach Redis (a frozen server runs it when thawed): the repair sets the
            // count from MySQL after it, on the same connection, so it ends right either way.
            Defer(counter, articleId, ex.Message);
        }
    }

    private void Defer(string counter, long articleId, string reason)
    {
        _stale.TryAdd((counter, articleId), 0);
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
            var truth = new Dictionary<long, Dictionary<string, long>>();
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
            var writes = stale.GroupBy(s => s.Counter).Select(counter => (Stale: counter.ToList(), Set: batch.SetIfLoadedAsync(counter.Key,
                counter.Select(s => KeyValuePair.Create(s.ArticleId, truth.GetValueOrDefault(s.ArticleId)?.GetValueOrDefault(s.Counter) ?? 0)).ToList()))).ToList();
            batch.Execute();
            await Task.WhenAll(writes.Select(w => w.Set));
            // A counter not loaded yet keeps its changes for the next try: set after its load, they end right.
            var repaired = writes.Where(w => w.Set.Result).SelectMany(w => w.Stale).ToList();
            foreach (var count in repaired)
            {
                _stale.TryRemove(count, out _);
            }

            if (repaired.Count > 0)
            {
                LogRepaired(repaired.Count);
            }

            return repaired.Count == stale.Count;
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counter {Counter} of article {ArticleId} not updated in the cache ({Reason}): repaired from MySQL when it answers")]
    private partial void LogDeferred(string counter, long articleId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repaired {Count} article counters from MySQL")]
    private partial void LogRepaired(int count);
}
