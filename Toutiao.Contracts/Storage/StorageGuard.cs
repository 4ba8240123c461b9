using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Toutiao.Contracts.Storage;

/// <summary>How long one call to a server may take and when its circuit opens.</summary>
public sealed class StorageGuardOptions
{
    /// <summary>The longest a call may take, whatever the request has left.</summary>
    public TimeSpan Cap { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The part of the request's remaining budget one call may take: the rest is for what comes after it (a fallback, the answer).</summary>
    public double Share { get; set; } = 0.4;

    /// <summary>How long calls are held back once the circuit opened; then one call tries the server again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// The calls to one storage server: each within its share of the request's budget
/// (<see cref="RequestBudget"/>), and behind a circuit that opens on time-outs as well as on
/// refusals, so a frozen server costs the first requests their share and the next ones nothing.
/// StackExchange.Redis ignores cancellation, so a call that runs out of time is left to finish (or
/// time out) on its own: the caller stops waiting for it.
/// </summary>
public sealed partial class StorageGuard
{
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly ILogger _logger;
    private readonly StorageGuardOptions _options;
    private long _openedAt;

    public StorageGuard(string server, bool isRedis, StorageGuardOptions options, ILogger logger)
    {
        Server = server;
        IsRedis = isRedis;
        _logger = logger;
        _options = options;
        _pipeline = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException
                    || (args.Outcome.Exception is { } failure && StorageFailures.IsStorageFailure(failure))),
                FailureRatio = 0.5,
                MinimumThroughput = 5,
                SamplingDuration = TimeSpan.FromSeconds(10),
                BreakDuration = options.BreakDuration,
                StateProvider = _state,
                OnOpened = args =>
                {
                    if (Interlocked.CompareExchange(ref _openedAt, Stopwatch.GetTimestamp(), 0) == 0)
                    {
                        LogOpened(Server, args.Outcome.Exception?.GetType().Name);
                    }

                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    if (Interlocked.Exchange(ref _openedAt, 0) is var openedAt and not 0)
                    {
                        LogClosed(Server, Stopwatch.GetElapsedTime(openedAt).TotalMilliseconds);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions { TimeoutGenerator = _ => ValueTask.FromResult(NextTimeout) })
            .Build();
    }

    public string Server { get; }

    public bool IsRedis { get; }

    /// <summary>The time a call made now gets: its share of what the request has left, at most the cap.</summary>
    public TimeSpan NextTimeout => RequestBudget.Share(_options.Cap, _options.Share);

    /// <summary>Closed, open (calls fail at once) or half-open (one call tries the server).</summary>
    public CircuitState Circuit => _state.CircuitState;

    /// <summary>Runs a call that honours cancellation (MySqlConnector's).</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(static async (call, token) => await Abandonable(call(token), token), call, cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new StorageUnavailableException(Server, IsRedis, $"{Server} did not answer within {ex.Timeout.TotalMilliseconds:0} ms.", ex);
        }
        catch (BrokenCircuitException ex)
        {
            throw new StorageUnavailableException(Server, IsRedis, $"{Server} is failing: not called for a moment.", ex);
        }
    }

    /// <summary>Runs a call that ignores cancellation (StackExchange.Redis'): it is waited for within the share, no longer.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
        => RunAsync(_ => call(), cancellationToken);

    public Task RunAsync(Func<Task> call, CancellationToken cancellationToken)
        => RunAsync(async _ => { await call(); return true; }, cancellationToken);

    /// <summary>Waits for <paramref name="task"/> until <paramref name="token"/>; a task given up on has its failure observed, not left unobserved.</summary>
    private static Task<T> Abandonable<T>(Task<T> task, CancellationToken token)
    {
        if (!task.IsCompleted)
        {
            _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        return task.WaitAsync(token);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit of {Server} opened after {Failure}: calls fail at once until it answers again")]
    private partial void LogOpened(string server, string? failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit of {Server} closed: it answered again {RecoveredAfterMs:0} ms after the circuit opened")]
    private partial void LogClosed(string server, double recoveredAfterMs);
}
