using System.Collections.Concurrent;

namespace Toutiao.Web.Articles;

/// <summary>
/// Collapses concurrent loads of the same key: the first caller to claim a key loads it, every
/// other caller awaits that load. Keeps a burst of misses for one hot article to one MySQL read
/// per process. A finished load is still handed out for a moment (<see cref="Linger"/> by default):
/// a caller whose cache read missed just before the write-back landed would otherwise load the same
/// key again.
/// </summary>
/// <param name="linger">How long a finished load is handed out; zero for none (what it read may change in Redis after it).</param>
public sealed class InFlightLoads<TKey, TValue>(TimeSpan linger) where TKey : notnull where TValue : class
{
    public static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(500);

    public InFlightLoads()
        : this(Linger)
    {
    }

    private readonly ConcurrentDictionary<TKey, TaskCompletionSource<TValue?>> _loads = new();

    /// <summary>Splits <paramref name="keys"/> into those this caller must load and loads already under way.</summary>
    public (List<TKey> Owned, List<(TKey Key, Task<TValue?> Load)> Awaited) Claim(IEnumerable<TKey> keys)
    {
        var owned = new List<TKey>();
        var awaited = new List<(TKey, Task<TValue?>)>();
        foreach (var key in keys.Distinct())
        {
            var mine = new TaskCompletionSource<TValue?>(TaskCreationOptions.RunContinuationsAsynchronously);
            var current = _loads.GetOrAdd(key, mine);
            if (ReferenceEquals(current, mine))
            {
                owned.Add(key);
            }
            else
            {
                awaited.Add((key, current.Task));
            }
        }

        return (owned, awaited);
    }

    /// <summary>Publishes the results of the owned keys (absent = not found) and forgets them after the linger.</summary>
    public void Complete(IEnumerable<TKey> owned, IReadOnlyDictionary<TKey, TValue> results)
    {
        var finished = new List<KeyValuePair<TKey, TaskCompletionSource<TValue?>>>();
        foreach (var key in owned)
        {
            if (_loads.TryGetValue(key, out var load))
            {
                load.TrySetResult(results.GetValueOrDefault(key));
                finished.Add(new(key, load));
            }
        }

        if (linger <= TimeSpan.Zero)
        {
            foreach (var entry in finished)
            {
                _loads.TryRemove(entry);
            }

            return;
        }

        _ = Task.Delay(linger).ContinueWith(_ =>
        {
            foreach (var entry in finished)
            {
                _loads.TryRemove(entry);
            }
        }, TaskScheduler.Default);
    }

    /// <summary>Stops handing out a finished load of <paramref name="key"/>: what it found has changed.</summary>
    public void Forget(TKey key)
    {
        if (_loads.TryGetValue(key, out var load) && load.Task.IsCompleted)
        {
            _loads.TryRemove(new(key, load));
        }
    }

    public void Fail(IEnumerable<TKey> owned, Exception exception)
    {
        foreach (var key in owned)
        {
            if (_loads.TryRemove(key, out var load))
            {
                load.TrySetException(exception);
            }
        }
    }
}
