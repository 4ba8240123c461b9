using System.Collections.Concurrent;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Http;

/// <summary>
/// Shared limits for reads (<see cref="SharedLimit.Reads"/>: the feed, article detail, the reader's
/// own profile and channels), which are too frequent for a round trip each: the feed's round trips
/// are counted. Each process takes permits from the shared count (<see cref="SharedRateLimiter"/>)
/// in blocks of a twentieth of the limit, spends them locally, and fetches the next block in the
/// background once half of one is spent; a request waits for Redis only when its partition's block
/// is empty (its first request, or a burst faster than the fetch).
/// </summary>
/// <remarks>
/// A limit of L a minute admits at most L plus what the other replicas hold of their blocks (L/20
/// each); under 40 a block is one permit and the count is exact. A state server that does not answer
/// lets the block through (logged), as <see cref="SharedRateLimiter"/> does.
/// </remarks>
public sealed partial class SharedPermitBlocks(SharedRateLimiter limiter, TimeProvider clock, ILogger<SharedPermitBlocks> logger)
{
    /// <summary>Every this many new partitions, those without a request for two minutes are forgotten.</summary>
    private const int SweepEvery = 50_000;

    private readonly ConcurrentDictionary<string, Block> _blocks = new();
    private int _added;

    /// <summary>A permit of each of <paramref name="limits"/> in turn; 429 with <c>Retry-After</c> at the first that is spent.</summary>
    public async ValueTask TakeAsync(IEnumerable<SharedRateLimit> limits)
    {
        foreach (var limit in limits)
        {
            if (await TryTakeAsync(limit) is { } retryAfter)
            {
                throw ApiException.TooManyRequests(retryAfter);
            }
        }
    }

    /// <summary>A permit of <paramref name="limit"/>, or how long until there is one.</summary>
    public async ValueTask<TimeSpan?> TryTakeAsync(SharedRateLimit limit)
    {
        var size = Math.Max(1, limit.Permits / 20);
        var block = _blocks.GetOrAdd(limit.Partition, static (_, self) => self.Added(), this);
        while (true)
        {
            TaskCompletionSource? started = null;
            Task? fetching = null;
            lock (block)
            {
                var now = clock.GetTimestamp();
                block.LastUsed = now;
                if (block.RefusedUntil > now)
                {
                    return clock.GetElapsedTime(now, block.RefusedUntil);
                }

                if (block.Available > 0)
                {
                    block.Available--;
                    // Half spent: the next block is fetched while this one lasts (a block of one is never fetched ahead, so small limits stay exact).
                    if (block.Available > 0 && block.Available * 2 <= size && block.Fetch is null)
                    {
                        started = block.Fetch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }
                else
                {
                    if (block.Fetch is null)
                    {
                        started = block.Fetch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    fetching = block.Fetch.Task;
                }
            }

            if (started is not null)
            {
                _ = FetchAsync(block, limit, size, started, waitedFor: fetching is not null);
            }

            if (fetching is null)
            {
                return null;
            }

            await fetching;
        }
    }

    private Block Added()
    {
        if (Interlocked.Increment(ref _added) % SweepEvery == 0)
        {
            Sweep();
        }

        return new Block();
    }

    /// <summary>Forgets partitions without a request for two minutes (the permits they held are simply not used).</summary>
    private void Sweep()
    {
        var idle = clock.GetTimestamp() - (2 * 60 * clock.TimestampFrequency);
        foreach (var (partition, block) in _blocks)
        {
            lock (block)
            {
                if (block.LastUsed < idle && block.Fetch is null)
                {
                    _blocks.TryRemove(partition, out _);
                }
            }
        }
    }

    private async Task FetchAsync(Block block, SharedRateLimit limit, int size, TaskCompletionSource fetch, bool waitedFor)
    {
        // Fetched ahead, nobody waits for it: not bound by what the request that started it has left.
        using var budget = waitedFor ? null : RequestBudget.Suspend();
        int granted;
        TimeSpan wait;
        try
        {
            (granted, wait) = await limiter.TakeBlockAsync(limit, size);
        }
        catch (Exception ex)
        {
            // Whatever went wrong, the requests waiting for this block must not wait forever.
            LogUnlimited(limit.Partition, ex.Message);
            (granted, wait) = (size, TimeSpan.Zero);
        }

        lock (block)
        {
            block.Available += granted;
            if (granted == 0)
            {
                block.RefusedUntil = clock.GetTimestamp() + (long)(wait.TotalSeconds * clock.TimestampFrequency);
            }

            block.Fetch = null;
        }

        fetch.SetResult();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Partition} not checked ({Reason}): a block of requests goes through")]
    private partial void LogUnlimited(string partition, string reason);

    /// <summary>One partition's permits in this process.</summary>
    private sealed class Block
    {
        public int Available;
        public long RefusedUntil;
        public long LastUsed;
        public TaskCompletionSource? Fetch;
    }
}
