using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
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
    /// Answered once the report is in the log (201); its effects (counts, hot lists) follow in Reco.
    /// </summary>
    private static async Task<Created<ApiEnvelope<ReportAccepted>>> ReportAsync(
        JsonElement body, Reader reader, BehaviorReports reports, BehaviorLog log)
    {
        var behaviors = reports.Read(body, reader);
        // Not cancelled with the request: a report half appended would be appended again on retry.
        await log.AppendAsync(behaviors);
        return TypedResults.Created((string?)null, ApiEnvelope.Ok(new ReportAccepted(behaviors.Count)));
    }
}
