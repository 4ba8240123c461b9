using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Toutiao.Web.Auth;
using Toutiao.Web.Feed;
using Toutiao.Web.Http;

namespace Toutiao.Web.Development;

/// <summary>
/// Endpoints for developers, tests and <c>./toutiao bench</c>: registered and mapped in Development
/// only, never in production.
/// </summary>
public static class DevelopmentEndpoints
{
    public const string RecoCheckPath = "/debug/reco-check";

    public sealed record IssuedCode(string Mobile, string Code);

    public sealed record ArticleStatus(long Id, int Status);

    public static IHostApplicationBuilder AddDevelopmentEndpoints(this IHostApplicationBuilder builder)
    {
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddRecoGrpcClient(invoker => new Health.HealthClient(invoker));
        }

        return builder;
    }

    public static WebApplication MapDevelopmentEndpoints(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            return app;
        }

        // No SMS gateway exists here, so the login code is handed out by this endpoint.
        app.MapPost("/dev/sms-codes/{mobile}", IssueCodeAsync).WithSharedLimit(SharedLimit.SignIn);
        app.MapGet(RecoCheckPath, CheckRecoAsync);
        // An editor's decision without an editor's tool: what `Toutiao.Web article-status` does.
        app.MapPost("/dev/articles/{id}/status", async (string id, System.Text.Json.JsonElement body, Toutiao.Web.Articles.ArticleStatuses statuses, CancellationToken ct) =>
        {
            var articleId = RequestParameters.RequiredInt64(id, "id", 1, long.MaxValue);
            var status = (int)RequestParameters.RequiredInt64(body, "status", 0, Toutiao.Web.Articles.ArticleStatuses.MaxStatus);
            await statuses.SetAsync(articleId, status, ct);
            return TypedResults.Ok(ApiEnvelope.Ok(new ArticleStatus(articleId, status)));
        });
        app.MapRuntimeCounters();
        return app;
    }

    private static async Task<Ok<ApiEnvelope<IssuedCode>>> IssueCodeAsync(string mobile, SmsCodeStore codes)
    {
        var number = AuthEndpoints.RequireMobile(mobile);
        return TypedResults.Ok(ApiEnvelope.Ok(new IssuedCode(number, await codes.IssueAsync(number))));
    }

    /// <summary>
    /// One call to Reco that does no work there (its <c>grpc.health.v1</c> liveness check), through a
    /// client configured as the feed's (same address, handlers and resilience; its own HTTP/2
    /// connection): <c>./toutiao bench</c> measures with it what the hop to Reco costs before a page does anything.
    /// </summary>
    private static async Task<Ok<ApiEnvelope<string>>> CheckRecoAsync(Health.HealthClient reco, IOptions<RecoOptions> options, CancellationToken cancellationToken)
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
