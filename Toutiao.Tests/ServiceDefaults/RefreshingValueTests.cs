using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Toutiao.Contracts.Caching;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

[Trait("Category", TestCategories.Unit)]
public sealed class RefreshingValueTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);
    private readonly ManualClock _clock = new();
    private readonly Queue<Func<Task<string>>> _loads = new();
    private int _loadCount;

    private RefreshingValue<string> Value() => new("the test value", _ =>
    {
        _loadCount++;
        return _loads.Dequeue()();
    }, _clock, TimeSpan.FromSeconds(5), NullLogger.Instance);

    [Fact]
    public async Task A_stale_value_is_served_at_once_while_the_reload_runs()
    {
        var (value, slowDatabase) = await SlowReloadAsync();
        // A second caller neither waits nor starts another reload.
        Assert.Equal("first", await value.GetAsync(MaxAge, default));
        Assert.Equal(2, _loadCount);

        slowDatabase.SetResult("second");
        Assert.Equal("second", await WaitForAsync(value, "second"));
        Assert.Equal(2, _loadCount);
    }

    [Fact]
    public async Task A_caller_who_waits_while_a_reload_runs_waits_for_that_one()
    {
        var (value, slowDatabase) = await SlowReloadAsync();
        var waiting = value.GetAsync(MaxAge, default, waitForReload: true);
        Assert.False(waiting.IsCompleted);
        slowDatabase.SetResult("second");
        Assert.Equal("second", await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, _loadCount);
    }

    [Fact]
    public async Task A_failed_reload_keeps_the_old_value_and_is_not_tried_again_before_the_gap()
    {
        var value = await StaleValueAsync();
        _loads.Enqueue(() => throw new DatabaseDown());
        Assert.Equal("first", await value.GetAsync(MaxAge, default, waitForReload: true));
        Assert.Equal("first", await value.GetAsync(MaxAge, default, waitForReload: true));
        Assert.Equal(2, _loadCount);

        _clock.Advance(TimeSpan.FromSeconds(6));
        _loads.Enqueue(() => Task.FromResult("second"));
        Assert.Equal("second", await value.GetAsync(MaxAge, default, waitForReload: true));
        Assert.Equal(3, _loadCount);
    }

    [Fact]
    public async Task With_nothing_loaded_yet_a_failure_reaches_the_caller()
    {
        var value = Value();
        _loads.Enqueue(() => throw new DatabaseDown());
        await Assert.ThrowsAsync<DatabaseDown>(() => value.GetAsync(MaxAge, default));

        _loads.Enqueue(() => Task.FromResult("first"));
        Assert.Equal("first", await value.GetAsync(MaxAge, default));
    }

    /// <summary>A stale value whose reload has started (a caller got "first" meanwhile) and waits for the slow database's answer.</summary>
    private async Task<(RefreshingValue<string> Value, TaskCompletionSource<string> SlowDatabase)> SlowReloadAsync()
    {
        var value = await StaleValueAsync();
        var reloadStarted = new TaskCompletionSource();
        var slowDatabase = new TaskCompletionSource<string>();
        _loads.Enqueue(() =>
        {
            reloadStarted.SetResult();
            return slowDatabase.Task;
        });
        Assert.Equal("first", await value.GetAsync(MaxAge, default));
        await reloadStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return (value, slowDatabase);
    }

    /// <summary>A value that loaded "first" and is now past its age.</summary>
    private async Task<RefreshingValue<string>> StaleValueAsync()
    {
        var value = Value();
        _loads.Enqueue(() => Task.FromResult("first"));
        Assert.Equal("first", await value.GetAsync(MaxAge, default));
        _clock.Advance(TimeSpan.FromMinutes(2));
        return value;
    }

    /// <summary>The background reload completes on its own task: ask until it shows (bounded).</summary>
    private static async Task<string> WaitForAsync(RefreshingValue<string> value, string expected)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await value.GetAsync(MaxAge, timeout.Token) != expected)
        {
            await Task.Yield();
            timeout.Token.ThrowIfCancellationRequested();
        }

        return expected;
    }

    private sealed class DatabaseDown : DbException;

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
