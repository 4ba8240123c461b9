using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The resilience of our HttpClients, for what they carry: gRPC unary calls with a deadline (Web →
/// Reco). A gRPC call is not idempotent here (a fresh page writes history), so only failures where
/// the request never reached a server are retried: connection errors, twice, 50 ms apart with
/// jitter. A call that reached Reco is never repeated. Retries share the call's cancellation, which
/// Grpc.Net.Client fires at the deadline, so no retry outlives the deadline; the timeout below is
/// only an outer bound for calls without one.
/// </summary>
/// <remarks>
/// Two strategies, not the standard handler's five: its circuit breaker would see a gRPC error as the
/// HTTP 200 it arrives in (the breaker belongs where the gRPC status is known, Web's <c>RecoClient</c>),
/// its per-attempt timeout repeats the deadline, and its concurrency limiter of 1,000 calls never
/// bound here. Each cost CPU on every call: the fresh page's whole share of Web's CPU was measured
/// with and without them (README, Performance).
/// </remarks>
public static class GrpcUnaryResilience
{
    public const string PipelineName = "grpc-unary";

    public static readonly TimeSpan OuterTimeout = TimeSpan.FromSeconds(10);

    public static IHttpClientBuilder AddGrpcUnaryResilience(this IHttpClientBuilder http)
    {
        http.AddResilienceHandler(PipelineName, pipeline => pipeline
            .AddTimeout(OuterTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(50),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsConnectionFailure(args.Outcome.Exception)),
            }));
        return http;
    }

    private static bool IsConnectionFailure(Exception? exception)
        => exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
}
