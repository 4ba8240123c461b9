using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

/// <summary>
/// <c>/debug/reco-check</c>, Development only: one call to Reco that does no work there (its
/// <c>grpc.health.v1</c> liveness check), through a client configured as the feed's (same address,
/// handlers and resilience; its own HTTP/2 connection).
/// <c>./toutiao bench</c> measures with it what the hop to Reco costs before a page does anything.
/// </summary>
public static class RecoCheckEndpoint
{
    public const string Path = "/debug/reco-check";

    public static WebApplication MapRecoCheck(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapGet(Path, CheckAsync);
        }

        return app;
    }

    private static async Task<Ok<ApiEnvelope<string>>> CheckAsync(Health.HealthClient reco, IOptions<RecoOptions> options, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await reco.CheckAsync(new HealthCheckRequest { Service = "liveness" },
                deadline: DateTime.UtcNow + options.Value.Deadline, cancellationToken: cancellationToken);
            return TypedResults.Ok(ApiEnvelope.Ok(reply.Status.ToString()));
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiException(StatusCodes.Status503ServiceUnavailable, $"Reco did not answer: {ex.Status.StatusCode}.");
        }
    }
}
