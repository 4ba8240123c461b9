using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Database;

/// <summary>
/// Where reads that may be a moment old go (article misses, lists, details): the MySQL read replica
/// (<c>ConnectionStrings:toutiao-replica</c>) while it replicates and is at most
/// <see cref="ReadReplicaOptions.MaxLag"/> behind, else the primary. A read that fails on the
/// replica is read again from the primary at once and the replica is out of use until a probe
/// (every <see cref="ReadReplicaOptions.ProbeInterval"/>) finds it well again. Reads of a reader's
/// own writes (likes, collections, follows, sign-in) never come here: they use the primary.
/// </summary>
public sealed partial class ReadReplica(
    MySqlDataSource primary,
    MySqlDataSource? replica,
    IOptions<ReadReplicaOptions> options,
    TimeProvider clock,
    ILogger<ReadReplica> logger) : BackgroundService, IHealthCheck
{
    public const string ConnectionName = "toutiao-replica";

    /// <summary>The part of what a request has left that a read may wait for the replica.</summary>
    private const double ReplicaShare = 0.4;

    private readonly Lock _lock = new();
    private volatile bool _inUse;
    private string _state = "not probed yet";
    private TaskCompletionSource _inUseAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether reads go to the replica now.</summary>
    public bool InUse => _inUse;

    /// <summary>Completes when reads go to the replica: at once while they do, else at the next good probe.</summary>
    public Task WhenInUse
    {
        get
        {
            lock (_lock)
            {
                return _inUseAgain.Task;
            }
        }
    }

    /// <summary>Runs <paramref name="read"/> on the replica, or on the primary when the replica is out of use or fails.</summary>
    /// <param name="lacking">
    /// Whether the replica's answer lacks rows that were asked for by id: a replica behind the
    /// primary (still applying a large load, or lagging) does not know them yet, and an answer of
    /// "not found" would be cached as such, so that answer is asked of the primary instead.
    /// </param>
    public async Task<T> ReadAsync<T>(Func<MySqlDataSource, Task<T>> read, CancellationToken cancellationToken, Func<T, bool>? lacking = null)
    {
        if (replica is null || !_inUse)
        {
            return await read(primary);
        }

        var replicaRead = read(replica);
        T answer;
        try
        {
            // A replica that hangs (frozen, or its proxy accepting and never answering) may take only
            // part of the request's budget: the rest is for the primary.
            answer = await replicaRead.WaitAsync(RequestBudget.Share(options.Value.ReadTimeout, ReplicaShare), cancellationToken);
        }
        catch (Exception ex) when (ex is MySqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // The replica only spares the primary: whatever fails there is asked of the primary,
            // and a fault of the query itself fails there too and is reported from there. A read
            // given up on is left to fail on its own, observed.
            _ = replicaRead.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            SetInUse(false, ex is TimeoutException ? "a read did not answer in time" : $"a read failed: {ex.Message}", ex);
            return await read(primary);
        }

        return lacking?.Invoke(answer) == true ? await read(primary) : answer;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (replica is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.Value.ProbeInterval, clock);
        do
        {
            await ProbeAsync(replica, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task ProbeAsync(MySqlDataSource replica, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await replica.OpenConnectionAsync(cancellationToken);
            await using var command = new MySqlCommand("SHOW SLAVE STATUS", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                SetInUse(false, "it does not replicate (no SHOW SLAVE STATUS row)", null);
                return;
            }

            var sqlThread = reader.GetString("Slave_SQL_Running");
            var lagOrdinal = reader.GetOrdinal("Seconds_Behind_Master");
            // NULL while the IO thread is not connected: how far behind it is cannot be known.
            TimeSpan? lag = reader.IsDBNull(lagOrdinal) ? null : TimeSpan.FromSeconds(reader.GetInt64(lagOrdinal));
            if (sqlThread != "Yes" || lag is null)
            {
                SetInUse(false, $"replication is not running (IO thread: {reader.GetString("Slave_IO_Running")}, SQL thread: {sqlThread})", null);
            }
            else if (lag > options.Value.MaxLag)
            {
                SetInUse(false, $"it is {lag.Value.TotalSeconds:0} s behind the primary (at most {options.Value.MaxLag.TotalSeconds:0} s)", null);
            }
            else
            {
                SetInUse(true, $"{lag.Value.TotalSeconds:0} s behind the primary", null);
            }
        }
        catch (MySqlException ex)
        {
            SetInUse(false, $"unreachable: {ex.Message}", ex);
        }
    }

    private void SetInUse(bool inUse, string state, Exception? exception)
    {
        bool changed;
        lock (_lock)
        {
            _state = state;
            changed = _inUse != inUse;
            _inUse = inUse;
            if (inUse)
            {
                _inUseAgain.TrySetResult();
            }
            else if (_inUseAgain.Task.IsCompleted)
            {
                _inUseAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        if (changed && inUse)
        {
            LogInUse(state);
        }
        else if (changed)
        {
            LogOutOfUse(state, exception);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        replica?.Dispose();
    }

    /// <summary>Degraded (still 200 on /health) while the replica is configured but out of use: the primary carries every read.</summary>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        string state;
        lock (_lock)
        {
            state = _state;
        }

        return Task.FromResult(_inUse
            ? HealthCheckResult.Healthy($"Article reads go to the read replica ({state}).")
            : HealthCheckResult.Degraded($"Article reads go to the primary: the read replica is out of use ({state})."));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Article reads go to the read replica again ({ReplicaState})")]
    private partial void LogInUse(string replicaState);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Article reads go to the primary: the read replica is out of use ({ReplicaState})")]
    private partial void LogOutOfUse(string replicaState, Exception? exception);
}
