using System.Data.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Toutiao.ServiceDefaults.Caching;

namespace Toutiao.Tests.ServiceDefaults;

public sealed class RefreshingValueTests
{
    private readonly ManualClock _clock = new();
    private readonly Queue<Func<string>> _loads = new();
    private int _loadCount;

    private RefreshingValue<string> Value() => new("the test value", _ =>
    {
        _loadCount++;
        return Task.FromResult(_loads.Dequeue()());
    }, _clock, TimeSpan.FromSeconds(5), NullLogger.Instance);

    [Fact]
    public async Task A_failed_reload_serves_the_old_value_and_waits_before_trying_again()
    {
        var value = Value();
        _loads.Enqueue(() => "first");
        Assert.Equal("first", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        Assert.Equal("first", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        Assert.Equal(1, _loadCount);

        _clock.Advance(TimeSpan.FromMinutes(2));
        _loads.Enqueue(() => throw new DatabaseDown());
        Assert.Equal("first", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        Assert.Equal("first", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        Assert.Equal(2, _loadCount);

        _clock.Advance(TimeSpan.FromSeconds(6));
        _loads.Enqueue(() => "second");
        Assert.Equal("second", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        Assert.Equal(3, _loadCount);
    }

    [Fact]
    public async Task With_nothing_loaded_yet_a_failure_reaches_the_caller_and_other_failures_always_do()
    {
        var value = Value();
        _loads.Enqueue(() => throw new DatabaseDown());
        await Assert.ThrowsAsync<DatabaseDown>(() => value.GetAsync(TimeSpan.FromMinutes(1), default));

        _loads.Enqueue(() => "first");
        Assert.Equal("first", await value.GetAsync(TimeSpan.FromMinutes(1), default));
        _clock.Advance(TimeSpan.FromMinutes(2));
        _loads.Enqueue(() => throw new InvalidOperationException("a bug, not an outage"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => value.GetAsync(TimeSpan.FromMinutes(1), default));
    }

    private sealed class DatabaseDown : DbException;

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
