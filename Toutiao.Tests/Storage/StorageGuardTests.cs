using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using Toutiao.Contracts.Storage;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Storage;

/// <summary>A call's share of the request's budget, and the circuit that opens on time-outs: without servers.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class StorageGuardTests
{
    private static StorageGuard Guard(TimeSpan cap, double share = 0.4)
        => new("cache", isRedis: true, new StorageGuardOptions { Cap = cap, Share = share, BreakDuration = TimeSpan.FromSeconds(30) }, NullLogger.Instance);

    [Fact]
    public void A_call_gets_its_share_of_what_the_request_has_left_at_most_the_cap_and_the_cap_outside_a_request()
    {
        var cap = TimeSpan.FromMilliseconds(500);
        Assert.Null(RequestBudget.Remaining);
        Assert.Equal(cap, RequestBudget.Share(cap, 0.4));
        using (RequestBudget.Begin(TimeSpan.FromSeconds(1)))
        {
            var share = RequestBudget.Share(cap, 0.4);
            Assert.InRange(share, TimeSpan.FromMilliseconds(350), TimeSpan.FromMilliseconds(400));
            Assert.Equal(cap, RequestBudget.Share(cap, 0.9));
        }

        using (RequestBudget.Begin(TimeSpan.FromMilliseconds(-5)))
        {
            // Spent: the next call fails at once rather than waiting for nothing.
            Assert.Equal(TimeSpan.FromMilliseconds(1), RequestBudget.Share(cap, 0.4));
        }

        Assert.Null(RequestBudget.Remaining);
    }

    [Fact]
    public async Task A_call_that_does_not_answer_within_its_share_fails_as_the_servers_and_five_such_open_the_circuit()
    {
        var guard = Guard(TimeSpan.FromMilliseconds(100));
        var never = new TaskCompletionSource<int>();
        var watch = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<StorageUnavailableException>(() => guard.RunAsync(() => never.Task, CancellationToken.None));
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(2));
        Assert.Equal("cache did not answer within 100 ms.", failure.Message);
        Assert.True(StorageFailures.IsRedisFailure(failure));
        Assert.Equal(CircuitState.Closed, guard.Circuit);

        for (var i = 1; i < 5; i++)
        {
            await Assert.ThrowsAsync<StorageUnavailableException>(() => guard.RunAsync(() => never.Task, CancellationToken.None));
        }

        Assert.Equal(CircuitState.Open, guard.Circuit);
        var called = false;
        watch.Restart();
        var held = await Assert.ThrowsAsync<StorageUnavailableException>(() => guard.RunAsync(() => { called = true; return Task.FromResult(1); }, CancellationToken.None));
        Assert.False(called);
        Assert.True(watch.Elapsed < TimeSpan.FromMilliseconds(50), $"an open circuit took {watch.Elapsed}");
        Assert.Equal("cache is failing: not called for a moment.", held.Message);
    }

    [Fact]
    public async Task A_request_that_went_away_is_a_cancellation_and_not_the_servers_failure_and_answers_pass_through()
    {
        var guard = Guard(TimeSpan.FromSeconds(5));
        Assert.Equal(7, await guard.RunAsync(() => Task.FromResult(7), CancellationToken.None));
        for (var i = 0; i < 6; i++)
        {
            using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(10));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => guard.RunAsync(() => new TaskCompletionSource<int>().Task, gone.Token));
        }

        Assert.Equal(CircuitState.Closed, guard.Circuit);
        // A failure that is the caller's (a bug, a bad request) passes as it is and does not count.
        await Assert.ThrowsAsync<InvalidOperationException>(() => guard.RunAsync<int>(() => throw new InvalidOperationException("ours"), CancellationToken.None));
        Assert.Equal(CircuitState.Closed, guard.Circuit);
    }
}
