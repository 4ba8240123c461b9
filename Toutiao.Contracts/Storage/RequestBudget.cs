using System.Diagnostics;

namespace Toutiao.Contracts.Storage;

/// <summary>
/// The time a request has left, for each storage and gRPC call it makes to take its share of. It is
/// set where the request begins (Web: each HTTP request; Reco: the gRPC call's deadline) and flows
/// with the request's async calls, so a cache deep below the endpoint sees it without every
/// signature carrying it. Outside a request (background work) there is no budget and a call gets
/// its dependency's own cap.
/// </summary>
public static class RequestBudget
{
    private static readonly AsyncLocal<long?> EndsAt = new();

    /// <summary>Starts a budget of <paramref name="length"/> for the calls made until the scope ends.</summary>
    public static IDisposable Begin(TimeSpan length) => new Scope(Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency));

    /// <summary>Starts a budget that ends at a UTC deadline (a gRPC call's), if there is one.</summary>
    public static IDisposable Begin(DateTime deadlineUtc)
        => deadlineUtc == DateTime.MaxValue ? new Scope(EndsAt.Value) : Begin(deadlineUtc - DateTime.UtcNow);

    /// <summary>
    /// No budget until the scope ends: for work a request starts that nobody waits for (a
    /// prefetch), which gets its dependency's own cap rather than what the request has left.
    /// </summary>
    public static IDisposable Suspend() => new Scope(null);

    /// <summary>What is left of the current request's budget (negative once spent), or null outside a request.</summary>
    public static TimeSpan? Remaining => EndsAt.Value is { } end ? Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end) : null;

    /// <summary>
    /// A call's time: <paramref name="share"/> of what is left, at most <paramref name="cap"/>, at
    /// least a millisecond (a spent budget fails the call at once rather than not at all).
    /// </summary>
    public static TimeSpan Share(TimeSpan cap, double share)
    {
        if (Remaining is not { } left)
        {
            return cap;
        }

        var part = TimeSpan.FromTicks((long)(left.Ticks * share));
        return part < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : part < cap ? part : cap;
    }

    private sealed class Scope : IDisposable
    {
        private readonly long? _previous = EndsAt.Value;

        public Scope(long? endsAt) => EndsAt.Value = endsAt;

        public void Dispose() => EndsAt.Value = _previous;
    }
}
