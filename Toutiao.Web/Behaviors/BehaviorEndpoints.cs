using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Web.Behaviors;

public static class BehaviorEndpoints
{
    public sealed record ReportAccepted(int Accepted);

    public static IEndpointRouteBuilder MapBehaviorEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1_0/behaviors", ReportAsync);
        return app;
    }

    /// <summary>
    /// What a reader did with articles of a feed page, reported with the tracking strings of that page.
    /// Answered once the report is in the log (201, with how many behaviours counted: a replayed one
    /// does not); its effects (counts, hot lists) follow in Reco. Limited per reader and per client
    /// across replicas (429 with <c>Retry-After</c>).
    /// </summary>
    private static async Task<Created<ApiEnvelope<ReportAccepted>>> ReportAsync(
        JsonElement body, Reader reader, HttpContext http, BehaviorReports reports, ReportedOnce once, SharedRateLimiter limiter,
        IOptions<RateLimitOptions> limits, BehaviorLog log)
    {
        var behaviors = reports.Read(body, reader);
        var client = ClientAddress.Of(http);
        await limiter.TakeAsync([SharedLimit.Reports], limits.Value, client, reader.RecoUserId, behaviors.Count);

        var fresh = await once.FreshAsync(reader, client, behaviors);
        if (fresh.Count > 0)
        {
            try
            {
                // Not cancelled with the request: a report half appended would be appended again on retry.
                await log.AppendAsync(fresh);
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
            {
                // Not logged (a 503 the app retries): the retry must count, so the marks go, if Redis lets us.
                once.Forget(reader, client, fresh);
                throw;
            }
        }

        return TypedResults.Created((string?)null, ApiEnvelope.Ok(new ReportAccepted(fresh.Count)));
    }
}
