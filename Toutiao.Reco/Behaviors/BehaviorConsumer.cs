using System.Diagnostics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Contracts.Storage;

namespace Toutiao.Reco.Behaviors;

/// <summary>Settings of the behaviour consumer; section <c>Behaviors</c>.</summary>
public sealed class BehaviorConsumerOptions
{
    public const string SectionName = "Behaviors";

    /// <summary>Entries read (or reclaimed) at once.</summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>How long an entry may stay delivered but unacknowledged before another consumer takes it over (its consumer is presumed dead).</summary>
    public TimeSpan ClaimIdle { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often entries of dead consumers are looked for, and the lag measured.</summary>
    public TimeSpan ReclaimInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The longest wait for new entries without a wake-up message (Pub/Sub is not durable: one
    /// missed while reconnecting must not leave entries waiting).
    /// </summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long applied entry ids are remembered (<c>news_behavior_applied</c>): an entry delivered
    /// again later than this (every consumer down that long) would be applied again.
    /// </summary>
    public TimeSpan AppliedRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often applied entry ids older than <see cref="AppliedRetention"/> are deleted.</summary>
    public TimeSpan AppliedCleanupInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The newest entries of the stream kept once applied, for the click model's training (which reads
    /// <c>Ranking:TrainingEvents</c> of them); entries not yet applied are kept however many there are.
    /// </summary>
    public long EventsKept { get; set; } = 1_000_000;
}

/// <summary>
/// Reco's side of the behaviour log: each replica is a consumer of one group on
/// <see cref="BehaviorStream.Events"/>. It reads new entries (<c>XREADGROUP</c>), applies them
/// (<see cref="BehaviorEffects"/>), then acknowledges them, so an entry is acknowledged only once
/// applied. Entries a crashed consumer left unacknowledged for <see cref="BehaviorConsumerOptions.ClaimIdle"/>
/// are taken over (<c>XAUTOCLAIM</c>) and applied; applying twice is harmless. It waits for new
/// entries on Web's wake-up message, not by polling.
/// </summary>
public sealed partial class BehaviorConsumer(
    IConnectionMultiplexer redis,
    BehaviorEffects effects,
    BehaviorMetrics metrics,
    TimeProvider clock,
    IOptions<BehaviorConsumerOptions> options,
    ILogger<BehaviorConsumer> logger) : BackgroundService
{
    /// <summary>This process's name in the group: replicas must not share one.</summary>
    public string Name { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}"[..^24];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var appended = new SemaphoreSlim(0, 1);
        var subscriber = redis.GetSubscriber();
        var channel = RedisChannel.Literal(BehaviorStream.AppendedChannel);
        Action<RedisChannel, RedisValue> wake = (_, _) => { try { appended.Release(); } catch (SemaphoreFullException) { } };
        var groupReady = false;
        var nextReclaim = clock.GetTimestamp();
        var nextCleanup = clock.GetTimestamp();
        try
        {
            await subscriber.SubscribeAsync(channel, wake);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            // Subscribed again below once Redis is back; meanwhile the idle check reads.
            LogSubscribeFailed(ex);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var settings = options.Value;
                if (!groupReady)
                {
                    await EnsureGroupAsync();
                    await subscriber.SubscribeAsync(channel, wake);
                    groupReady = true;
                }

                var claimed = 0;
                if (clock.GetElapsedTime(nextReclaim) >= TimeSpan.Zero)
                {
                    claimed = await ReclaimAsync(settings, stoppingToken);
                    await TrimAsync(settings, stoppingToken);
                    nextReclaim = clock.GetTimestamp() + (long)(settings.ReclaimInterval.TotalSeconds * clock.TimestampFrequency);
                }

                if (clock.GetElapsedTime(nextCleanup) >= TimeSpan.Zero)
                {
                    await effects.ForgetAppliedAsync(settings.AppliedRetention, stoppingToken);
                    nextCleanup = clock.GetTimestamp() + (long)(settings.AppliedCleanupInterval.TotalSeconds * clock.TimestampFrequency);
                }

                var read = await ReadNewAsync(settings, stoppingToken);
                if (read < settings.BatchSize && claimed < settings.BatchSize)
                {
                    await appended.WaitAsync(Min(settings.IdleCheckInterval, settings.ReclaimInterval), stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Redis or MySQL away: unacknowledged entries stay in the stream for the next try.
                LogConsumeFailed(ex);
                groupReady = false;
                await Task.Delay(TimeSpan.FromSeconds(1), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await subscriber.UnsubscribeAsync(channel, wake).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Creates the group at the start of the stream (nothing appended before it existed is skipped).</summary>
    private async Task EnsureGroupAsync()
    {
        try
        {
            await redis.GetDatabase().StreamCreateConsumerGroupAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another replica (or an earlier run) made it.
        }
    }

    private async Task<int> ReadNewAsync(BehaviorConsumerOptions settings, CancellationToken cancellationToken)
    {
        var entries = await redis.GetDatabase().StreamReadGroupAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, Name,
            StreamPosition.NewMessages, settings.BatchSize);
        metrics.Received(entries.Length);
        await ApplyAndAcknowledgeAsync(entries, "new", cancellationToken);
        return entries.Length;
    }

    /// <summary>Takes over entries other consumers left unacknowledged too long, and measures what is not yet delivered.</summary>
    private async Task<int> ReclaimAsync(BehaviorConsumerOptions settings, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var claim = await db.StreamAutoClaimAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, Name,
            (long)settings.ClaimIdle.TotalMilliseconds, "0-0", settings.BatchSize);
        var entries = claim.ClaimedEntries.Where(e => !e.IsNull).ToArray();
        if (entries.Length > 0)
        {
            metrics.Reclaimed(entries.Length);
            LogReclaimed(entries.Length);
            await ApplyAndAcknowledgeAsync(entries, "reclaimed", cancellationToken);
        }

        if (claim.DeletedIds.Length > 0)
        {
            // Trimmed from the stream before anyone applied them: nothing left to apply.
            await db.StreamAcknowledgeAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, claim.DeletedIds);
        }

        var group = (await db.StreamGroupInfoAsync(BehaviorStream.Events)).FirstOrDefault(g => g.Name == BehaviorStream.ConsumerGroup);
        metrics.Pending(group.Lag ?? 0);
        return entries.Length;
    }

    /// <summary>Applied entries beyond the newest <see cref="BehaviorConsumerOptions.EventsKept"/> leave the stream, a script call per 10,000.</summary>
    private async Task TrimAsync(BehaviorConsumerOptions settings, CancellationToken cancellationToken)
    {
        const int perCall = 10_000;
        var db = redis.GetDatabase();
        long removed;
        do
        {
            removed = await BehaviorStreamTrim.TrimAppliedAsync(db, BehaviorStream.Events, BehaviorStream.ConsumerGroup, settings.EventsKept, perCall);
        }
        while (removed == perCall && !cancellationToken.IsCancellationRequested);
    }

    private async Task ApplyAndAcknowledgeAsync(StreamEntry[] entries, string delivery, CancellationToken cancellationToken)
    {
        if (entries.Length == 0)
        {
            return;
        }

        // A trace only for a batch: the poll that found it, like every idle poll, has no parent and
        // is not recorded (UnparentedDatabaseCallSampler); what the batch does is this span's children.
        using var activity = RecoTelemetry.Source.StartActivity("behavior batch", ActivityKind.Internal, parentContext: default);
        activity?.SetTag("messaging.batch.message_count", entries.Length);
        activity?.SetTag("toutiao.behaviors.delivery", delivery);
        await effects.ApplyAsync(entries, cancellationToken);
        await redis.GetDatabase().StreamAcknowledgeAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, entries.Select(e => e.Id).ToArray());
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consuming behaviour events failed; retrying in 1 s")]
    private partial void LogConsumeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to behaviour wake-ups failed; reading on the idle check until Redis is back")]
    private partial void LogSubscribeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over {Count} behaviour events a stopped consumer had left unacknowledged")]
    private partial void LogReclaimed(int count);
}
