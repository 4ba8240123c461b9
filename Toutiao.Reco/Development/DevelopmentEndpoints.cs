using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Toutiao.Reco.Ranking;

namespace Toutiao.Reco.Development;

/// <summary>Endpoints for developers, <c>./toutiao bench</c> and <c>./toutiao eval</c>, mapped in Development only.</summary>
public static class DevelopmentEndpoints
{
    public const string ClickModelPath = "/dev/click-model";

    /// <summary>Trains on made-up behaviour in this process and keeps nothing: what a training costs the pages served beside it.</summary>
    public const string SyntheticTrainingPath = "/dev/click-model/synthetic-training";

    public static WebApplication MapDevelopmentEndpoints(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapRuntimeCounters();
            // The served click model, as the evaluation reports it (version, AUC on the time split, weights).
            // As stored (snake_case; an AUC that could not be measured is "NaN").
            app.MapGet(ClickModelPath, Results<ContentHttpResult, NotFound<string>> (ClickModelStore models)
                => models.Current is { } model ? TypedResults.Content(model.ToJson(), "application/json") : TypedResults.NotFound("No click model is served yet."));
            // ./toutiao bench measures pages while this runs: the join and the fit of a real training
            // (one core, as ClickModelTraining runs them) on Ranking:TrainingEvents made-up events;
            // only reading the streams from Redis is not in it. The model is thrown away.
            app.MapPost(SyntheticTrainingPath, async (IOptions<RankingOptions> options, IOptions<Recommend.RecommendationOptions> recommendation) =>
            {
                var settings = options.Value;
                var profile = recommendation.Value;
                return await Task.Run(() =>
                {
                    var stopwatch = System.Diagnostics.Stopwatch.StartNew();
                    var (catalog, exposures, feedback) = SyntheticBehaviour.Generate(settings.TrainingEvents);
                    var generated = stopwatch.Elapsed;
                    var examples = ExposureJoin.Join(exposures, feedback, catalog, settings.LabelWindow, profile.ProfileHalfLife,
                        profile.ProfileChannelsKept, profile.ProfileAuthorsKept, profile.ProfileKeywordsKept);
                    var model = ClickModelTrainer.Train(examples, version: 0);
                    return TypedResults.Ok(new
                    {
                        events = feedback.Count,
                        examples = examples.Count,
                        generate_ms = (long)generated.TotalMilliseconds,
                        join_and_fit_ms = (long)(stopwatch.Elapsed - generated).TotalMilliseconds,
                        auc = model.Auc
                    });
                });
            });
        }

        return app;
    }
}
