using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Reco.Ranking;

namespace Toutiao.Reco.Development;

/// <summary>Endpoints for developers, <c>./toutiao bench</c> and <c>./toutiao eval</c>, mapped in Development only.</summary>
public static class DevelopmentEndpoints
{
    public const string ClickModelPath = "/dev/click-model";

    public static WebApplication MapDevelopmentEndpoints(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapRuntimeCounters();
            // The served click model, as the evaluation reports it (version, AUC on the time split, weights).
            // As stored (snake_case; an AUC that could not be measured is "NaN").
            app.MapGet(ClickModelPath, Results<ContentHttpResult, NotFound<string>> (ClickModelStore models)
                => models.Current is { } model ? TypedResults.Content(model.ToJson(), "application/json") : TypedResults.NotFound("No click model is served yet."));
        }

        return app;
    }
}
