using Microsoft.Extensions.Diagnostics.HealthChecks;
using Toutiao.Contracts.Storage;
using Toutiao.Contracts.Tracking;
using Toutiao.Reco.Behaviors;
using Toutiao.Reco.History;
using Toutiao.Reco.Profiles;
using Toutiao.Reco.Ranking;
using Toutiao.Reco.Recall;
using Toutiao.Reco.Storage;

namespace Toutiao.Reco.Recommend;

public static class RecommendationExtensions
{
    public static IHostApplicationBuilder AddRecommendation(this IHostApplicationBuilder builder)
    {
        builder.AddRecallCandidates();
        builder.Services.AddSingleton<global::Grpc.AspNetCore.Server.Model.IServiceMethodProvider<UserRecommendService>, UserRecommendMethods>();
        builder.Services.AddSingleton<StorageFailureInterceptor>();
        builder.Services.AddSingleton<UserFeedHistory>();
        // A page's Redis round trips take their share of the call's deadline, behind a circuit each.
        builder.Services.AddStorageGuard(RedisConnections.State, isRedis: true);
        builder.Services.AddStorageGuard(RedisConnections.Cache, isRedis: true);
        builder.Services.AddSingleton<ReadingPositions>();
        builder.Services.AddSingleton<ReaderProfileStore>();
        builder.Services.AddSingleton<CoReadNeighbours>();
        builder.Services.AddSingleton<Experiments>();
        builder.Services.AddTrackingSignature();
        builder.Services.AddSingleton<TrackingParameters>();
        builder.Services.AddHostedService<RecallRefresher>();

        builder.Services.AddOptions<BehaviorConsumerOptions>().BindConfiguration(BehaviorConsumerOptions.SectionName)
            .Validate(o => o.BatchSize > 0 && o.ClaimIdle > TimeSpan.Zero && o.ReclaimInterval > TimeSpan.Zero && o.IdleCheckInterval > TimeSpan.Zero && o.AppliedRetention >= TimeSpan.FromHours(1) && o.AppliedCleanupInterval > TimeSpan.Zero && o.EventsKept > 0,
                "Behaviors options are out of range.")
            .ValidateOnStart();
        builder.Services.AddSingleton<BehaviorMetrics>();
        builder.Services.AddSingleton<BehaviorEffects>();
        builder.Services.AddHostedService<BehaviorConsumer>();

        builder.AddClickModel();
        builder.Services.AddHealthChecks().AddCheck<RecallReadyCheck>("recall", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// The trainer process (<c>Toutiao.Reco train</c>): the catalogue the examples are joined with,
    /// and the periodic training, whatever <c>Ranking:Trainer</c> says. It serves no page.
    /// </summary>
    public static IHostApplicationBuilder AddClickModelTrainer(this IHostApplicationBuilder builder)
    {
        builder.AddRecallCandidates();
        builder.AddClickModel();
        builder.Services.PostConfigure<RankingOptions>(options => options.Trainer = TrainerPlacement.Here);
        return builder;
    }

    /// <summary>Every channel's candidates and the article catalogue, in memory (<see cref="RecallCandidateStore"/>).</summary>
    private static void AddRecallCandidates(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecommendationOptions>()
            .BindConfiguration(RecommendationOptions.SectionName)
            .Validate(o => o.RecallWindow > 0 && o.HistoryPagesKept > 0 && o.ServedKept > 0 && o.RecencyHalfLifeHours > 0
                           && o.HotBoostHalfLifeHours > 0 && o.HotReloadInterval >= TimeSpan.Zero
                           && o.HistoryRetention >= TimeSpan.FromSeconds(1) && o.AnonymousHistoryRetention >= TimeSpan.FromSeconds(1)
                           && o.RefreshInterval > TimeSpan.Zero && o.CandidatesPerChannel > 0 && o.PublishedAddedAtOnce > 0
                           && o.HotWeightAlgo1 is >= 0 and <= 1 && o.HotWeightAlgo2 is >= 0 and <= 1
                           && o.ExploreShare is > 0 and <= 1 && o.ChannelShareExponent is >= 1 and <= 4 && o.ProfileHalfLife > TimeSpan.Zero && o.ProfileChannelsKept > 0 && o.ProfileAuthorsKept > 0
                           && o.CoReadShare is >= 0 and < 1 && o.ContentShare is >= 0 and < 1 && o.AuthorShare is >= 0 and < 1
                           && o.ExploreShare + o.CoReadShare + o.ContentShare + o.AuthorShare <= 1 && o.RecentReadsKept > 0
                           && o.ProfileKeywordsKept > 0 && o.ContentKeywordsLookedUp > 0 && o.PublishedCheckInterval > TimeSpan.Zero
                           && o.NeighboursKept > 0 && o.NeighbourRetention >= TimeSpan.FromSeconds(1),
                "Recommendation options are out of range.")
            .Validate(o => Experiments.AreValid(o.Buckets),
                $"Recommendation:Buckets maps a hex digit (0..f) to {string.Join(" or ", Experiments.Arms)}.")
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ChannelDirectory>();
        builder.Services.AddSingleton<RecallCandidateStore>();
        builder.Services.AddSingleton<FeedRanker>();
        builder.Services.AddSingleton<RecoTelemetry>();
    }

    /// <summary>The click model: the one served (<see cref="ClickModelStore"/>) and its training (<see cref="ClickModelTraining"/>).</summary>
    private static void AddClickModel(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RankingOptions>().BindConfiguration(RankingOptions.SectionName)
            .Validate(o => o.TrainInterval > TimeSpan.Zero && o.ModelCheckInterval > TimeSpan.Zero && o.LabelWindow > TimeSpan.Zero
                           && o.TrainingEvents > 0 && o.MinExamples > 0,
                "Ranking options are out of range.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ClickModelStore>();
        builder.Services.AddSingleton<ClickModelTraining>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ClickModelTraining>());
    }

    /// <summary>Ready once the recall candidates are in memory; until then a request would wait for them.</summary>
    private sealed class RecallReadyCheck(RecallCandidateStore recall) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
            => Task.FromResult(recall.IsLoaded
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The recall candidates are not loaded yet."));
    }
}
