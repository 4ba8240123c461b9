using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Contracts.Storage;
using Toutiao.Reco.Recall;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// Trains the click model in the background, never on a request's path: every
/// <see cref="RankingOptions.TrainInterval"/> one replica (a lock in Redis) reads the exposure
/// stream and the newest behaviour events, joins them (<see cref="ExposureJoin"/>), fits a model
/// (<see cref="ClickModelTrainer"/>) and stores it (<see cref="ClickModelStore"/>). Every replica
/// looks for a newer stored model every <see cref="RankingOptions.ModelCheckInterval"/>.
/// </summary>
public sealed partial class ClickModelTraining(
    IConnectionMultiplexer redis,
    ClickModelStore models,
    RecallCandidateStore recall,
    RecoTelemetry telemetry,
    TimeProvider clock,
    IOptions<RankingOptions> options,
    IOptions<RecommendationOptions> recommendation,
    ILogger<ClickModelTraining> logger) : BackgroundService
{
    public const string LockKey = "reco:model:lock";

    private const int PageSize = 10_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var nextTraining = clock.GetUtcNow() + settings.TrainInterval;
        using var timer = new PeriodicTimer(settings.ModelCheckInterval, clock);
        try
        {
            do
            {
                try
                {
                    await models.RefreshAsync();
                }
                catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
                {
                    // Redis away: the model in memory goes on serving (the outage is logged where pages see it).
                }

                try
                {
                    if (settings.Trainer == TrainerPlacement.Here && clock.GetUtcNow() >= nextTraining)
                    {
                        nextTraining = clock.GetUtcNow() + settings.TrainInterval;
                        await TrainOnceAsync(stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Redis away, a fit that failed: the model in memory goes on serving; the next round tries again.
                    telemetry.RecordTraining("failed");
                    LogTrainingFailed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// One training, unless another replica holds the lock or stored a model less than an interval
    /// ago. Returns the stored model, or null when there was too little to learn from.
    /// </summary>
    public async Task<ClickModel?> TrainOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var db = redis.GetDatabase();
        var token = Guid.NewGuid().ToString("N");
        if (!await db.StringSetAsync(LockKey, token, settings.TrainInterval, When.NotExists))
        {
            telemetry.RecordTraining("elsewhere");
            return null;
        }

        using var activity = RecoTelemetry.Source.StartActivity("reco model train", ActivityKind.Internal, parentContext: default);
        var stopwatch = Stopwatch.StartNew();
        var exposures = await ReadExposuresAsync(db);
        var feedback = await ReadFeedbackAsync(db, settings.TrainingEvents);
        var catalog = await recall.GetCatalogAsync(cancellationToken);
        var profile = recommendation.Value;
        // The join and the fit are CPU work of seconds: off the timer's thread, one core (the trainer's setting).
        var (examples, model) = await Task.Run(() =>
        {
            var joined = ExposureJoin.Join(exposures, feedback, catalog, settings.LabelWindow, profile.ProfileHalfLife, profile.ProfileChannelsKept, profile.ProfileAuthorsKept, profile.ProfileKeywordsKept);
            return (joined, joined.Count >= settings.MinExamples && ClickModelTrainer.HasBothLabels(joined)
                ? ClickModelTrainer.Train(joined, clock.GetUtcNow().ToUnixTimeMilliseconds())
                : null);
        }, cancellationToken);
        activity?.SetTag("toutiao.reco.model.exposures", exposures.Count);
        activity?.SetTag("toutiao.reco.model.events", feedback.Count);
        activity?.SetTag("toutiao.reco.model.examples", examples.Count);
        if (model is null)
        {
            telemetry.RecordTraining("too_few");
            LogTooFew(examples.Count, settings.MinExamples);
            return null;
        }

        await models.SaveAsync(model);
        telemetry.RecordTraining("trained");
        activity?.SetTag("toutiao.reco.model.version", model.Version);
        activity?.SetTag("toutiao.reco.model.auc", model.Auc);
        LogTrained(model.Version, examples.Count, model.Clicks, model.Auc, stopwatch.ElapsedMilliseconds);
        return model;
    }

    private static async Task<List<ExposureRecord>> ReadExposuresAsync(IDatabase db)
    {
        var records = new List<ExposureRecord>();
        await foreach (var entry in ReadNewestAsync(db, BehaviorStream.Exposures, int.MaxValue))
        {
            if (TryReadExposure(entry) is { } exposure)
            {
                records.Add(exposure);
            }
        }

        return records;
    }

    private static async Task<List<FeedbackRecord>> ReadFeedbackAsync(IDatabase db, int limit)
    {
        var records = new List<FeedbackRecord>();
        await foreach (var entry in ReadNewestAsync(db, BehaviorStream.Events, limit))
        {
            var user = (string?)entry[BehaviorStream.Fields.User];
            var action = (string?)entry[BehaviorStream.Fields.Action];
            if (user is { Length: > 0 } && action is not null
                && long.TryParse((string?)entry[BehaviorStream.Fields.Article], NumberStyles.None, CultureInfo.InvariantCulture, out var article)
                && long.TryParse((string?)entry[BehaviorStream.Fields.ReportedAt], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
            {
                int? readTime = int.TryParse((string?)entry[BehaviorStream.Fields.ReadTime], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : null;
                records.Add(new FeedbackRecord(user, article, action, readTime, at));
            }
        }

        return records;
    }

    /// <summary>An exposure entry: Web's copy of the page's exposure string (<c>"articleId":"[1, 2, 3]"</c>), or null when it is not one.</summary>
    public static ExposureRecord? TryReadExposure(StreamEntry entry)
    {
        var user = (string?)entry[BehaviorStream.Fields.User];
        var param = (string?)entry["param"];
        if (user is not { Length: > 0 } || param is null
            || !long.TryParse((string?)entry[BehaviorStream.Fields.ReportedAt], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
        {
            return null;
        }

        const string Field = "\"articleId\":\"[";
        var start = param.IndexOf(Field, StringComparison.Ordinal);
        var end = start < 0 ? -1 : param.IndexOf(']', start);
        if (end < 0)
        {
            return null;
        }

        var ids = new List<long>();
        foreach (var part in param[(start + Field.Length)..end].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                return null;
            }

            ids.Add(id);
        }

        return ids.Count == 0 ? null : new ExposureRecord(user, [.. ids], at);
    }

    /// <summary>Up to <paramref name="limit"/> of a stream's newest entries, newest first, a page per round trip.</summary>
    private static async IAsyncEnumerable<StreamEntry> ReadNewestAsync(IDatabase db, string stream, int limit)
    {
        RedisValue before = "+";
        var read = 0;
        while (read < limit)
        {
            var page = await db.StreamRangeAsync(stream, "-", before, Math.Min(PageSize, limit - read), Order.Descending);
            foreach (var entry in page)
            {
                yield return entry;
            }

            read += page.Length;
            if (page.Length < PageSize)
            {
                yield break;
            }

            before = "(" + page[^1].Id;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained click model {Version} on {Examples} examples ({Clicks} taken up): AUC {Auc:F3} on the newest held out, in {ElapsedMs} ms")]
    private partial void LogTrained(long version, int examples, int clicks, double auc, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "No click model trained: {Examples} examples, at least {MinExamples} with a click among them needed")]
    private partial void LogTooFew(int examples, int minExamples);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training the click model failed; the model in memory goes on serving")]
    private partial void LogTrainingFailed(Exception exception);
}
