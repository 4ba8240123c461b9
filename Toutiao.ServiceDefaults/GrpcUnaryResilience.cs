using System.Net.Http;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The standard resilience handler, tuned for what our HttpClients carry: gRPC unary calls with a
/// deadline (Web → Reco). A gRPC call is not idempotent here (a fresh page writes history), so
/// only failures where the request never reached a server are retried: connection errors, twice,
/// 50 ms apart with jitter. A call that reached Reco is never repeated. Retries share the call's
/// cancellation, which Grpc.Net.Client fires at the deadline, so no retry outlives the deadline;
/// the timeouts below are only an outer bound for calls without one. The handler's circuit breaker
/// is off: it would see a gRPC error as the HTTP 200 it arrives in, so the breaker belongs where the
/// gRPC status is known (Web's <c>RecoClient</c>).
/// </summary>
public static class GrpcUnaryResilience
{
    public static readonly TimeSpan OuterTimeout = TimeSpan.FromSeconds(10);

    public static void Configure(HttpStandardResilienceOptions options)
    {
        options.Retry.MaxRetryAttempts = 2;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        options.Retry.BackoffType = DelayBackoffType.Exponential;
        options.Retry.UseJitter = true;
        options.Retry.ShouldHandle = args => ValueTask.FromResult(IsConnectionFailure(args.Outcome.Exception));

        // One attempt may use the whole budget: after it reached the server it is not retried anyway.
        options.AttemptTimeout.Timeout = OuterTimeout;
        options.TotalRequestTimeout.Timeout = OuterTimeout;
        options.CircuitBreaker.SamplingDuration = OuterTimeout * 2;
        options.CircuitBreaker.ShouldHandle = static _ => PredicateResult.False();
    }

    private static bool IsConnectionFailure(Exception? exception)
        => exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
}
