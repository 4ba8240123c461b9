using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace Toutiao.ServiceDefaults.Caching;

/// <summary>
/// A small value loaded from a database and held in memory (the channel list, say). It is reloaded
/// by one caller at a time once it is older than asked for. When a reload fails and a value was
/// loaded before, the old value is served and the reload is not tried again for
/// <paramref name="retryGap"/>: a database outage costs freshness, not answers, and a flood of
/// requests does not hammer a database that is down. With nothing loaded yet, the failure goes
/// to the caller.
/// </summary>
public sealed class RefreshingValue<T>(
    string name, Func<CancellationToken, Task<T>> load, TimeProvider clock, TimeSpan retryGap, ILogger logger)
    where T : class
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Loaded? _current;

    /// <summary>The value, reloaded first if it is older than <paramref name="maxAge"/>.</summary>
    public async Task<T> GetAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (Fresh(_current, maxAge) is { } value)
        {
            return value;
        }

        await _reload.WaitAsync(cancellationToken);
        try
        {
            // Someone else reloaded (or failed to) while we waited.
            var current = _current;
            if (Fresh(current, maxAge) is { } reloaded)
            {
                return reloaded;
            }

            try
            {
                var loaded = await load(cancellationToken);
                _current = new Loaded(loaded, clock.GetUtcNow(), DateTimeOffset.MinValue);
                return loaded;
            }
            catch (Exception ex) when (current is not null && ex is DbException or TimeoutException)
            {
                _current = current with { RetryAfter = clock.GetUtcNow() + retryGap };
                logger.LogWarning(ex, "Reloading {Name} failed; serving the copy loaded at {LoadedAt:O} until {RetryAfter:O}",
                    name, current.At, _current.RetryAfter);
                return current.Value;
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    private T? Fresh(Loaded? current, TimeSpan maxAge)
    {
        var now = clock.GetUtcNow();
        return current is not null && (now - current.At <= maxAge || now < current.RetryAfter) ? current.Value : null;
    }

    /// <param name="RetryAfter">Until when a failed reload is not tried again.</param>
    private sealed record Loaded(T Value, DateTimeOffset At, DateTimeOffset RetryAfter);
}
