using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Articles;

/// <summary>
/// Listens on <see cref="ArticleCounters.ChangedChannel"/> and makes <see cref="LocalCardCache"/>
/// forget each changed bucket's counts. Counters are kept in memory only while the subscription is
/// up: from the moment it is made until a connection fails, and again once it is made anew.
/// </summary>
public sealed partial class ArticleCounterChanges(
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer redis,
    LocalCardCache local,
    ArticleCacheMetrics metrics,
    ILogger<ArticleCounterChanges> logger) : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _lost = new(0, 1);

    /// <summary>Connection failures heard so far: a subscription made while one came in is not trusted.</summary>
    private long _failures;

    /// <summary>Done once the first subscription is made.</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var channel = RedisChannel.Literal(ArticleCounters.ChangedChannel);
        redis.ConnectionFailed += OnConnectionFailed;
        try
        {
            while (true)
            {
                try
                {
                    // Subscribed anew after every failure, before counters are kept again: the client's own
                    // resubscription comes after its reconnection, and what is published in between is lost.
                    // Nothing is kept meanwhile, and only if no connection failed while subscribing.
                    local.KeepCounts(listening: false);
                    var failures = Volatile.Read(ref _failures);
                    await subscriber.UnsubscribeAsync(channel, OnChanged);
                    await subscriber.SubscribeAsync(channel, OnChanged);
                    local.KeepCounts(listening: true);
                    if (Volatile.Read(ref _failures) != failures)
                    {
                        // A connection failed while subscribing (or its handler ran just before the
                        // line above): stop keeping, which drops what was kept meanwhile, and again.
                        local.KeepCounts(listening: false);
                        continue;
                    }

                    _listening.TrySetResult();
                    await _lost.WaitAsync(stoppingToken);
                }
                catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
                {
                    // Meanwhile counters are read from Redis on every page, as without this layer.
                    LogSubscribeFailed(ex.Message);
                    await Task.Delay(RetryInterval, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            redis.ConnectionFailed -= OnConnectionFailed;
            local.KeepCounts(listening: false);
        }
    }

    private void OnChanged(RedisChannel channel, RedisValue key)
    {
        if (ArticleCounters.BucketOfKey(key) is { } bucket)
        {
            local.ForgetCounts(bucket);
            metrics.LocalCountsDropped("changed");
        }
    }

    // Any connection: over RESP3 the subscription shares the interactive one.
    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.Increment(ref _failures);
        local.KeepCounts(listening: false);
        metrics.LocalCountsDropped("unsubscribed");
        try
        {
            _lost.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to counter changes, counters are read from Redis until it can: {Reason}")]
    private partial void LogSubscribeFailed(string reason);
}
