using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Behaviors;

/// <summary>
/// Appends to the behaviour streams (<see cref="BehaviorStream"/>) on the <c>redis</c> server. The
/// reported actions' stream is trimmed by Reco, once applied (never here: an entry trimmed before
/// it was applied would be lost); the exposures' to about <see cref="BehaviorOptions.ExposuresMaxLength"/>.
/// Reported actions are appended before the app is answered (a failure is a 503 it can retry) and
/// their consumers are woken in the same round trip; a page's exposure is sent without waiting, as
/// the page must not wait for its log.
/// </summary>
public sealed partial class BehaviorLog(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.State)] StorageGuard guard,
    IOptions<BehaviorOptions> options,
    TimeProvider clock,
    ILogger<BehaviorLog> logger)
{
    /// <summary>Appends reported behaviours within the state server's share of the request; a failure is the caller's (a 503: the app reports again).</summary>
    public Task AppendAsync(IReadOnlyList<ReportedBehavior> behaviors) => guard.RunAsync(() => AppendUnguardedAsync(behaviors), CancellationToken.None);

    private async Task AppendUnguardedAsync(IReadOnlyList<ReportedBehavior> behaviors)
    {
        // The producer's side of the stream hop: Reco's consumer span links to this one.
        using var activity = WebTelemetry.Source.StartActivity("behavior append", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", BehaviorStream.Events);
        activity?.SetTag("messaging.batch.message_count", behaviors.Count);
        var now = Now();
        var traceParent = TraceParent();
        var batch = redis.GetDatabase().CreateBatch();
        var appends = behaviors.Select(b => batch.StreamAddAsync(BehaviorStream.Events,
        [
            new(BehaviorStream.Fields.Action, b.Action),
            new(BehaviorStream.Fields.User, b.UserId),
            new(BehaviorStream.Fields.Article, b.ArticleId),
            new(BehaviorStream.Fields.Algorithm, b.Algorithm),
            new(BehaviorStream.Fields.IssuedAt, b.IssuedAtMs),
            new(BehaviorStream.Fields.ReadTime, b.ReadTimeSeconds is { } seconds ? seconds : RedisValue.EmptyString),
            new(BehaviorStream.Fields.ReportedAt, now),
            new(BehaviorStream.Fields.TraceParent, traceParent),
            // Always there, as read_time is: entries with the stream's first entry's fields are stored without their names.
            new(BehaviorStream.Fields.Author, b.AuthorId != 0 ? b.AuthorId : RedisValue.EmptyString),
            new(BehaviorStream.Fields.Once, b.Once ?? RedisValue.EmptyString),
            new(BehaviorStream.Fields.Counted, b.Counted ? 1 : 0),
        ])).ToList();
        var wake = batch.PublishAsync(RedisChannel.Literal(BehaviorStream.AppendedChannel), behaviors.Count);
        batch.Execute();
        await Task.WhenAll(appends);
        await wake;
    }

    /// <summary>
    /// Appends what signed-in reader <paramref name="userId"/> did in the app (liked, commented,
    /// followed...): no tracking string, so no algorithm, issued now. The action is already committed
    /// in MySQL, so a state server that does not take it in time costs the recommender this signal,
    /// logged, and not the reader a 503 for a write that was done.
    /// </summary>
    public async Task AppendActionAsync(string action, long userId, long articleId, long authorId = 0)
    {
        try
        {
            await AppendAsync([new ReportedBehavior(action, userId.ToString(CultureInfo.InvariantCulture), articleId, "",
                clock.GetUtcNow().ToUnixTimeMilliseconds(), null, authorId)]);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            LogActionLost(action, userId, articleId, ex.Message);
        }
    }

    /// <summary>Logs the exposure string of a page Reco recorded for <paramref name="userId"/>, without waiting.</summary>
    public void AppendExposure(string userId, string exposure)
    {
        try
        {
            redis.GetDatabase().StreamAdd(BehaviorStream.Exposures,
            [
                new(BehaviorStream.Fields.Action, "exposure"),
                new(BehaviorStream.Fields.User, userId),
                new("param", exposure),
                new(BehaviorStream.Fields.ReportedAt, Now()),
                new(BehaviorStream.Fields.TraceParent, TraceParent()),
            ], maxLength: options.Value.ExposuresMaxLength, useApproximateMaxLength: true, flags: CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // Redis is down: the page is served all the same (degraded where it had to be); its exposure is lost.
        }
    }

    private string Now() => clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string TraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id! : "";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Action} of reader {UserId} on article {ArticleId} is committed but not in the behaviour stream ({Reason})")]
    private partial void LogActionLost(string action, long userId, long articleId, string reason);
}
