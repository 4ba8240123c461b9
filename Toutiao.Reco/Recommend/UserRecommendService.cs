using Grpc.Core;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Storage;
using Toutiao.Reco.Grpc;
using Toutiao.Reco.History;
using Toutiao.Reco.Profiles;
using Toutiao.Reco.Ranking;
using Toutiao.Reco.Recall;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The <c>UserRecommend</c> gRPC service (bound by <see cref="UserRecommendMethods"/>). A request at the timestamp of a page the reader was served
/// gets that page again (history); any other gets a fresh page (recall, drop already served, rank,
/// store as history); an anonymous one a non-personalised page.
/// </summary>
public sealed partial class UserRecommendService(
    RecallCandidateStore recall,
    ClickModelStore models,
    CoReadNeighbours coReads,
    UserFeedHistory history,
    ReadingPositions positions,
    Experiments experiments,
    ChannelDirectory channels,
    RecoTelemetry telemetry,
    TrackingParameters tracking,
    IOptions<RecommendationOptions> options,
    [FromKeyedServices(RedisConnections.Cache)] StorageGuard cacheGuard,
    ILogger<UserRecommendService> logger)
{
    public const int MaxArticleNum = 50;

    /// <summary>64 characters, plus the <c>anony:</c> prefix Web puts before an anonymous reader's id of up to 64.</summary>
    public const int MaxUserIdLength = 70;

    public async Task<ArticleResponse> user_recommend(UserRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        Validate(request);
        if (!await channels.ExistsAsync(request.ChannelId, cancellationToken))
        {
            throw InvalidArgument($"channel_id {request.ChannelId} does not exist.");
        }

        // One md5 per request: the bucket gives both the ranking variant and the experiment's arm.
        var bucket = AlgorithmBucket.Digit(request.UserId);
        var algorithm = AlgorithmBucket.For(bucket);
        var candidates = await recall.GetAsync(request.ChannelId, cancellationToken);
        if (request.UserId.Length == 0)
        {
            return await AnonymousPageAsync(request, algorithm, candidates, context);
        }

        try
        {
            return await ReadersPageAsync(request, algorithm, experiments.ArmFor(bucket), candidates, context.Deadline, cancellationToken);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex) && candidates.Newest.Length > 0)
        {
            // Redis is down or refuses writes: no history to read or record, but the candidates in
            // memory still make a page, which beats an error.
            LogServingFromMemory(request.ChannelId, ex);
            var page = candidates.PopularPage(request.ArticleNum);
            telemetry.RecordPage("from_memory", candidates.Newest.Length, page.Count);
            await context.WriteResponseHeadersAsync(new Metadata { { PopularPage.DegradedHeader, "redis" } });
            return Response(request.UserId, algorithm, page, 0, withExposure: true);
        }
    }

    /// <summary>
    /// A reader's page, in one Redis round trip as a rule. A timestamp the reader was given as
    /// pre_timestamp names a recorded page: history (or a retry). Any other is a refresh, even one
    /// older than the newest page: concurrent refreshes arrive out of order, and each must get a
    /// page of its own. The script gets the top of the ranked candidates; only a reader who was
    /// served most of them needs another trip with four times as many.
    /// </summary>
    private async Task<ArticleResponse> ReadersPageAsync(UserRequest request, string algorithm, string arm, ChannelCandidates candidates,
        DateTime deadline, CancellationToken cancellationToken)
    {
        var ranked = candidates.RankedFor(algorithm);
        var shuffled = arm == Experiments.Random;
        if (shuffled)
        {
            ranked = [.. ranked];
            System.Random.Shared.Shuffle(ranked);
        }

        // 推荐 follows the reader's interests once they showed some (every other channel is one
        // topic), unless the reader's bucket is a control: the script says so instead of picking a
        // page, and only then is a second trip needed.
        var yieldToProfile = request.ChannelId == RecommendedChannel.Id && arm == Experiments.Profile;
        var firstWindow = FirstWindow(request);
        // A reader who has read deep starts where the last page stopped (see ReadingPositions).
        var start = shuffled ? 0 : positions.Get(request.UserId, request.ChannelId, ranked);
        var window = Math.Min(ranked.Length - start, firstWindow);
        using (var activity = RecoTelemetry.Source.StartActivity("reco recall"))
        {
            activity?.SetTag("toutiao.reco.channel", request.ChannelId);
            activity?.SetTag("toutiao.reco.algorithm", algorithm);
            activity?.SetTag("toutiao.reco.considered", ranked.Length);
            activity?.SetTag("toutiao.reco.start", start);
            activity?.SetTag("toutiao.reco.arm", arm);
        }

        while (true)
        {
            // A call that is no longer alive records nothing: the reader gets these articles next time.
            // Checked here, and by the script against the deadline when it runs.
            cancellationToken.ThrowIfCancellationRequested();
            var page = await history.ServePageAsync(request.UserId, request.ChannelId, request.TimeStamp,
                ranked.AsMemory(start, window), allCandidates: start == 0 && window == ranked.Length, request.ArticleNum, deadline, yieldToProfile);
            if (page?.Profile is { } profile)
            {
                if (!profile.IsEmpty)
                {
                    return await ProfiledPageAsync(request, algorithm, ranked, profile, deadline, cancellationToken);
                }

                // No channel in it (damaged fields, or only follows so far): the page without a profile, as for a new reader.
                if (profile.AuthorWeights.Count == 0 && profile.KeywordWeights.Count == 0)
                {
                    LogUnusableProfile(request.UserId);
                    telemetry.RecordUnusableProfile();
                }

                yieldToProfile = false;
                continue;
            }

            if (page is not null)
            {
                if (page.Recorded)
                {
                    telemetry.RecordPage("fresh", window, page.ArticleIds.Count);
                    telemetry.RecordExposures(arm, page.ArticleIds.Count);
                    LogFreshPage(request.UserId, request.ChannelId, window, page.ArticleIds.Count);
                    if (start + page.Examined > firstWindow && !shuffled)
                    {
                        positions.Set(request.UserId, request.ChannelId, ranked, start + page.Examined);
                    }
                }

                return Response(request.UserId, algorithm, page.ArticleIds, page.PreviousTimestamp, withExposure: page.Recorded, recorded: true);
            }

            if (start + window == ranked.Length)
            {
                // The end of the ranking from a remembered position: check the whole channel once.
                start = 0;
                window = ranked.Length;
                continue;
            }

            // The reader has read most of what was offered: look deeper.
            window = Math.Min(ranked.Length - start, window * 4);
        }
    }

    /// <summary>
    /// A page of 推荐 for a reader with a profile: candidates mixed from the channels they showed
    /// interest in (by weight) and the whole ranking (the explored share), then the same history
    /// script as any fresh page, which gives each source its places from its unserved candidates.
    /// Four times as many while a source has too few unserved; from the top of every source once
    /// at the end. A deep reader's sources start where the last page left them (<see cref="ReadingPositions"/>).
    /// </summary>
    private async Task<ArticleResponse> ProfiledPageAsync(UserRequest request, string algorithm, long[] ranked, ReaderProfile profile,
        DateTime deadline, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var channelSources = new List<(RecallSource, double)>();
        foreach (var (channel, weight) in profile.ChannelWeights)
        {
            var channelRanked = (await recall.GetAsync(channel, cancellationToken)).RankedFor(algorithm);
            channelSources.Add((new RecallSource(channelRanked, 0, positions.Get(request.UserId, channel, channelRanked), channel), Math.Pow(Math.Max(weight, 0), settings.ChannelShareExponent)));
        }

        var everything = new RecallSource(ranked, 0, positions.Get(request.UserId, RecommendedChannel.Id, ranked), RecommendedChannel.Id);
        var personal = new List<RecallSource>(3);
        if (profile.RecentReads.Count > 0 && settings.CoReadShare > 0)
        {
            // Read together with what the reader read last: one more round trip, to the cache server,
            // within its share; a cache that does not answer costs the page this source, not the page.
            try
            {
                var neighbours = await cacheGuard.RunAsync(() => coReads.GetAsync(profile.RecentReads, settings.NeighboursKept), cancellationToken);
                personal.Add(new RecallSource(CoReadNeighbours.Rank(profile.RecentReads, neighbours), settings.CoReadShare, 0, RecallSource.CoRead));
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
            {
                LogCoReadsSkipped(ex.Message);
            }
        }

        // Content and author recall read the catalogue in memory: no round trip.
        var catalog = await recall.GetCatalogAsync(cancellationToken);
        if (settings.ContentShare > 0)
        {
            personal.Add(new RecallSource(ContentRecall.Rank(profile.KeywordWeights, catalog, settings.ContentKeywordsLookedUp, profile.ChannelWeights), settings.ContentShare, 0, RecallSource.Content));
        }

        if (settings.AuthorShare > 0)
        {
            personal.Add(new RecallSource(AuthorRecall.Rank(profile.AuthorWeights, catalog), settings.AuthorShare, 0, RecallSource.Author));
        }

        var sources = ProfileRecall.Sources(everything, channelSources, settings.ExploreShare, personal);
        var places = ProfileRecall.Places(sources, request.ArticleNum);
        using (var activity = RecoTelemetry.Source.StartActivity("reco recall"))
        {
            activity?.SetTag("toutiao.reco.channel", request.ChannelId);
            activity?.SetTag("toutiao.reco.algorithm", algorithm);
            activity?.SetTag("toutiao.reco.considered", ranked.Length);
            activity?.SetTag("toutiao.reco.arm", Experiments.Profile);
            activity?.SetTag("toutiao.reco.profile.channels", string.Join(',', profile.ChannelWeights.OrderByDescending(c => c.Value).Select(c => c.Key)));
            // Each source's places on the page: "channel-7:5,coread:2,explore:3".
            activity?.SetTag("toutiao.reco.sources", string.Join(',', sources.Select((source, i) => $"{SourceName(source)}:{places[i]}")));
        }

        // The click model orders the page; without one (not trained yet, or unusable) the sources' order stands.
        var model = models.Current;
        var firstWindow = FirstWindow(request);
        var length = firstWindow;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var mixed = ProfileRecall.Mix(sources, length);
            int[]? modelPlaces = null;
            if (model is not null)
            {
                using var rank = RecoTelemetry.Source.StartActivity("reco rank");
                rank?.SetTag("toutiao.reco.model.version", model.Version);
                rank?.SetTag("toutiao.reco.scored", mixed.Ids.Length);
                modelPlaces = ClickRanking.Places(model, catalog, profile, mixed.Ids);
            }

            var fromTop = sources.All(s => s.Start == 0);
            var everyCandidate = mixed.Ids.Length < length;
            var page = await history.ServePageAsync(request.UserId, request.ChannelId, request.TimeStamp, mixed.Ids,
                allCandidates: everyCandidate && fromTop, request.ArticleNum, deadline,
                mix: (places.Select((n, i) => mixed.Ended[i] ? $"{n}s" : $"{n}"), mixed.Sources), modelPlaces: modelPlaces);
            if (page is not null)
            {
                if (page.Recorded)
                {
                    telemetry.RecordPage("profiled", mixed.Ids.Length, page.ArticleIds.Count);
                    telemetry.RecordExposures(Experiments.Profile, page.ArticleIds.Count);
                    var starts = ProfileRecall.NextStarts(sources, mixed, page.Examined);
                    for (var i = 0; i < sources.Count; i++)
                    {
                        // Only deep readers are remembered, as on any page: a shallow start is cheap to find again.
                        if (starts[i] > sources[i].Start && starts[i] > firstWindow && sources[i].IsChannel)
                        {
                            positions.Set(request.UserId, sources[i].Channel, sources[i].Ranked, starts[i]);
                        }
                    }
                }

                // A page served before has no record of its sources: only a fresh one names them.
                var sourceOf = page.Recorded
                    ? mixed.Ids.Select((id, i) => (id, i)).ToDictionary(c => c.id, c => SourceName(sources[mixed.Sources[c.i]]))
                    : null;
                return Response(request.UserId, algorithm, page.ArticleIds, page.PreviousTimestamp, withExposure: page.Recorded, sourceOf, recorded: true);
            }

            if (everyCandidate)
            {
                // The end of every source from where the reader was: check them all from the top once.
                sources = sources.Select(s => s with { Start = 0 }).ToList();
                continue;
            }

            length *= 4;
        }
    }

    private static string SourceName(RecallSource source) => source.Channel switch
    {
        RecallSource.CoRead => "coread",
        RecallSource.Content => "content",
        RecallSource.Author => "author",
        RecommendedChannel.Id => "explore",
        var channel => "channel-" + channel.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>How many candidates a fresh page offers the script first: the window, and at least five times the page.</summary>
    private int FirstWindow(UserRequest request) => Math.Max(options.Value.RecallWindow, request.ArticleNum * 5);

    /// <summary>
    /// A reader without identity (the app sends no header before sign-in) has no history to keep
    /// pages apart, so the timestamp is the cursor: the channel's newest articles published before
    /// it, and <c>time_stamp</c> the cursor of the next page (0 at the end). Same timestamp, same page.
    /// </summary>
    private async Task<ArticleResponse> AnonymousPageAsync(UserRequest request, string algorithm, ChannelCandidates candidates, ServerCallContext context)
    {
        var (page, next) = candidates.PublishedBefore(request.TimeStamp, request.ArticleNum);
        telemetry.RecordPage("anonymous", candidates.Newest.Length, page.Count);
        if (page.Offset > 0)
        {
            await context.WriteResponseHeadersAsync(new Metadata { { PopularPage.LaterPageHeader, "later" } });
        }

        return Response(request.UserId, algorithm, page, next, withExposure: true);
    }

    /// <param name="sourceOf">How each article was recalled, when the page was mixed from several sources: its tracking strings say <c>Algo-1|coread</c>, <c>Algo-1|channel-7</c>, <c>Algo-1|explore</c>.</param>
    private ArticleResponse Response(string userId, string algorithm, IReadOnlyList<long> articleIds, long timestamp, bool withExposure,
        IReadOnlyDictionary<long, string>? sourceOf = null, bool recorded = false)
    {
        var response = new ArticleResponse
        {
            TimeStamp = timestamp,
            Recorded = recorded,
            Exposure = withExposure && articleIds.Count > 0 ? tracking.Exposure(userId, articleIds, algorithm) : "",
        };
        var tracks = sourceOf is null
            ? tracking.Tracks(userId, articleIds, algorithm)
            : tracking.Tracks(userId, articleIds, id => sourceOf.TryGetValue(id, out var source) ? $"{algorithm}|{source}" : algorithm);
        response.Recommends.AddRange(articleIds.Zip(tracks,
            (id, track) => new Article { ArticleId = id, Track = track }));
        return response;
    }

    private static void Validate(UserRequest request)
    {
        if (request.UserId.Length > MaxUserIdLength || request.UserId.Any(char.IsControl))
        {
            throw InvalidArgument($"user_id must be at most {MaxUserIdLength} printable characters.");
        }

        if (request.ChannelId < 0)
        {
            throw InvalidArgument("channel_id must not be negative.");
        }

        if (request.ArticleNum is < 1 or > MaxArticleNum)
        {
            throw InvalidArgument($"article_num must be between 1 and {MaxArticleNum}.");
        }

        if (request.TimeStamp <= 0)
        {
            throw InvalidArgument("time_stamp must be a positive Unix time in milliseconds.");
        }

        if (FeedTimestamps.IsAheadOfClock(request.TimeStamp, DateTimeOffset.UtcNow))
        {
            throw InvalidArgument(FeedTimestamps.AheadOfClockMessage("time_stamp"));
        }
    }

    private static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed: serving channel {ChannelId}'s popular page from the candidates in memory")]
    private partial void LogServingFromMemory(int channelId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The profile of user {UserId} has no usable channel weight; serving the page without it")]
    private partial void LogUnusableProfile(string userId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fresh page for user {UserId} in channel {ChannelId}: {Offered} candidates offered, {Picked} picked")]
    private partial void LogFreshPage(string userId, int channelId, int offered, int picked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Co-read recall skipped: {Reason}")]
    private partial void LogCoReadsSkipped(string reason);
}
