using Grpc.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Reco.Grpc;
using Toutiao.Reco.History;
using Toutiao.Reco.Recall;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The <c>UserRecommend</c> gRPC service (bound by <see cref="UserRecommendMethods"/>). A request at the timestamp of a page the reader was served
/// gets that page again (history); any other gets a fresh page (recall, drop already served, rank,
/// store as history); an anonymous one a non-personalised page.
/// </summary>
public sealed partial class UserRecommendService(
    RecallCandidateStore recall,
    UserFeedHistory history,
    ChannelDirectory channels,
    FeedRanker ranker,
    RecoTelemetry telemetry,
    IOptions<RecommendationOptions> options,
    ILogger<UserRecommendService> logger)
{
    public const int MaxArticleNum = 50;

    /// <summary>64 characters, plus the <c>anony:</c> prefix Web puts before an anonymous reader's id of up to 64.</summary>
    public const int MaxUserIdLength = 70;

    /// <summary>How far a client clock may run ahead of the server's.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public async Task<ArticleResponse> user_recommend(UserRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        Validate(request);
        if (!await channels.ExistsAsync(request.ChannelId, cancellationToken))
        {
            throw InvalidArgument($"channel_id {request.ChannelId} does not exist.");
        }

        var algorithm = AlgorithmBucket.For(request.UserId);
        try
        {
            return await PageAsync(request, algorithm, cancellationToken);
        }
        catch (Exception ex) when (IsRedisFailure(ex) && recall.LastReadPopularPage(request.ChannelId, request.ArticleNum) is { Count: > 0 } page)
        {
            // Redis is down or refuses writes: no history to read or record, but the lists this
            // process last read still make a page, which beats an error.
            LogServingFromMemory(request.ChannelId, ex);
            telemetry.RecordPage("from_memory", page.Count, page.Count);
            await context.WriteResponseHeadersAsync(new Metadata { { PopularPage.DegradedHeader, "redis" } });
            return Response(request.UserId, algorithm, page, 0, withExposure: true);
        }
    }

    private async Task<ArticleResponse> PageAsync(UserRequest request, string algorithm, CancellationToken cancellationToken)
    {
        if (request.UserId.Length == 0)
        {
            return await AnonymousPageAsync(request, algorithm, cancellationToken);
        }

        // A timestamp the reader was given as pre_timestamp names a recorded page: history (or a
        // retry). Any other is a refresh, even one older than the newest page: concurrent refreshes
        // arrive out of order, and each must get a page of its own, not a copy of an older one.
        var recorded = await history.FindPageAsync(request.UserId, request.ChannelId, request.TimeStamp);
        return recorded is null
            ? await FreshPageAsync(request, algorithm, cancellationToken)
            : Response(request.UserId, algorithm, recorded.ArticleIds, recorded.PreviousTimestamp, withExposure: false);
    }

    /// <summary>Redis unreachable, slow, or refusing (OOM, READONLY): what a page from memory can stand in for.</summary>
    private static bool IsRedisFailure(Exception ex) => ex is RedisConnectionException or RedisTimeoutException or RedisServerException;

    private async Task<ArticleResponse> FreshPageAsync(UserRequest request, string algorithm, CancellationToken cancellationToken)
    {
        var window = Math.Max(options.Value.RecallWindow, request.ArticleNum);
        IReadOnlyList<long> ranked;
        using (var activity = RecoTelemetry.Source.StartActivity("reco recall"))
        {
            while (true)
            {
                var recalled = await recall.ReadAsync(request.ChannelId, window, cancellationToken);
                var ids = recalled.Candidates.Select(c => c.ArticleId).ToList();
                var served = ids.Count == 0 ? [] : await history.FindServedAsync(request.UserId, request.ChannelId, ids);
                var unseen = recalled.Candidates.Where(c => !served.Contains(c.ArticleId)).ToList();
                if (unseen.Count >= request.ArticleNum || recalled.Exhausted)
                {
                    // Every unseen candidate in rank order: a concurrent refresh may take some of the
                    // first ones, and the recording script then takes the next.
                    ranked = ranker.Rank(unseen, algorithm, unseen.Count);
                    activity?.SetTag("toutiao.reco.channel", request.ChannelId);
                    activity?.SetTag("toutiao.reco.algorithm", algorithm);
                    activity?.SetTag("toutiao.reco.window", window);
                    activity?.SetTag("toutiao.reco.considered", recalled.Candidates.Count);
                    activity?.SetTag("toutiao.reco.already_served", served.Count);
                    activity?.SetTag("toutiao.reco.returned", Math.Min(ranked.Count, request.ArticleNum));
                    break;
                }

                // The user has read most of the top of this channel: look deeper.
                window *= 2;
            }
        }

        // A call that is no longer alive records nothing: the reader gets these articles next time.
        cancellationToken.ThrowIfCancellationRequested();
        var page = await history.RecordFreshPageAsync(request.UserId, request.ChannelId, request.TimeStamp, ranked, request.ArticleNum);
        telemetry.RecordPage("fresh", ranked.Count, page.ArticleIds.Count);
        LogFreshPage(request.UserId, request.ChannelId, ranked.Count, page.ArticleIds.Count);
        return Response(request.UserId, algorithm, page.ArticleIds, page.PreviousTimestamp, withExposure: true);
    }

    private async Task<ArticleResponse> AnonymousPageAsync(UserRequest request, string algorithm, CancellationToken cancellationToken)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco recall");
        var recalled = await recall.ReadAsync(request.ChannelId, request.ArticleNum, cancellationToken);
        var page = PopularPage.Interleave(recalled.Hottest, recalled.Newest, request.ArticleNum);
        activity?.SetTag("toutiao.reco.considered", recalled.Candidates.Count);
        activity?.SetTag("toutiao.reco.returned", page.Count);
        telemetry.RecordPage("anonymous", recalled.Candidates.Count, page.Count);
        return Response(request.UserId, algorithm, page, 0, withExposure: true);
    }

    private static ArticleResponse Response(string userId, string algorithm, IReadOnlyList<long> articleIds, long timestamp, bool withExposure)
    {
        var response = new ArticleResponse
        {
            TimeStamp = timestamp,
            Exposure = withExposure && articleIds.Count > 0 ? TrackingParameters.Exposure(userId, articleIds, algorithm) : "",
        };
        response.Recommends.AddRange(articleIds.Select(id => new Article
        {
            ArticleId = id,
            Track = TrackingParameters.Track(userId, id, algorithm),
        }));
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

        if (request.TimeStamp > DateTimeOffset.UtcNow.Add(MaxClockSkew).ToUnixTimeMilliseconds())
        {
            // A page recorded in the future would keep this reader's refreshes in history mode.
            throw InvalidArgument($"time_stamp is more than {MaxClockSkew.TotalMinutes:0} minutes ahead of the server clock.");
        }
    }

    private static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis failed: serving channel {ChannelId} from the popular lists last read")]
    private partial void LogServingFromMemory(int channelId, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Fresh page for user {UserId} in channel {ChannelId}: {Unseen} unseen candidates, {Picked} picked")]
    private partial void LogFreshPage(string userId, int channelId, int unseen, int picked);
}
