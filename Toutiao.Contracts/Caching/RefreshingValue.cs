using Microsoft.Extensions.Logging;

namespace Toutiao.Contracts.Caching;

/// <summary>
/// A value loaded from a store and held in memory (the channel list, the recall candidates). Once loaded,
/// a value older than asked for is reloaded in the background while callers go on with the one
/// they have: a slow or unreachable database (a dead backend behind a proxy hangs until the
/// connect timeout) costs freshness, never a request's time. A failed reload is retried after
/// <paramref name="retryGap"/>. Only the first load, with nothing to serve yet, is awaited, and its
/// failure goes to the caller.
/// </summary>
public sealed class RefreshingValue<T>(
    string name, Func<CancellationToken, Task<T>> load, TimeProvider clock, TimeSpan retryGap, ILogger logger)
    where T : class
{
    private readonly SemaphoreSlim _firstLoad = new(1, 1);
    private readonly Lock _gate = new();
    private volatile Loaded? _current;
    private Task<T>? _reloading;

    /// <summary>
    /// The value. One older than <paramref name="maxAge"/> is returned as it is while a reload runs
    /// in the background, unless <paramref name="waitForReload"/> asks to wait for it (a cache miss
    /// worth a round trip, such as an unknown channel id). One reload at a time: a caller that waits
    /// while one runs waits for that one.
    /// </summary>
    public async Task<T> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken, bool waitForReload = false)
    {
        var current = _current ?? await FirstLoadAsync(cancellationToken);
        var now = clock.GetUtcNow();
        if (now - current.At <= maxAge || now < current.RetryAfter)
        {
            return current.Value;
        }

        var reload = Reload(current);
        return waitForReload ? await reload.WaitAsync(cancellationToken) : current.Value;
    }

    /// <summary>The reload that is running, or a new one.</summary>
    private Task<T> Reload(Loaded current)
    {
        lock (_gate)
        {
            if (_reloading is { IsCompleted: false } running)
            {
                return running;
            }

            // Not part of the request that found the value old: its trace (Activity.Current) and
            // other async-local state do not flow into the reload, which is background work of its own.
            using (ExecutionContext.SuppressFlow())
            {
                return _reloading = Task.Run(() => ReloadAsync(current));
            }
        }
    }

    private async Task<Loaded> FirstLoadAsync(CancellationToken cancellationToken)
    {
        await _firstLoad.WaitAsync(cancellationToken);
        try
        {
            return _current ??= new Loaded(await load(cancellationToken), clock.GetUtcNow(), DateTimeOffset.MinValue);
        }
        finally
        {
            _firstLoad.Release();
        }
    }

    /// <summary>Runs apart from any request: its cancellation must not abort a reload others rely on.</summary>
    private async Task<T> ReloadAsync(Loaded current)
    {
        try
        {
            var loaded = await load(CancellationToken.None);
            _current = new Loaded(loaded, clock.GetUtcNow(), DateTimeOffset.MinValue);
            return loaded;
        }
        catch (Exception ex)
        {
            // Whatever the store threw (a database, Redis): the copy in hand is still worth serving.
            _current = current with { RetryAfter = clock.GetUtcNow() + retryGap };
            logger.LogWarning(ex, "Reloading {Name} failed; serving the copy loaded at {LoadedAt:O}, next try after {RetryAfter:O}",
                name, current.At, _current.RetryAfter);
            return current.Value;
        }
    }

    /// <param name="RetryAfter">Until when a failed reload is not tried again.</param>
    private sealed record Loaded(T Value, DateTimeOffset At, DateTimeOffset RetryAfter);
}
