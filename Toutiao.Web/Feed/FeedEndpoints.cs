using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Contracts.Feed;
using Toutiao.Web.Auth;
using Toutiao.Web.Channels;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

public static class FeedEndpoints
{
    /// <summary>2^53 - 1: larger values do not survive JSON in the app (JavaScript numbers are doubles).</summary>
    public const long MaxExactTimestamp = 9_007_199_254_740_991;

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_1/articles", GetFeedAsync).WithSharedLimit(SharedLimit.Reads);
        return app;
    }

    /// <summary>
    /// The home feed. A <c>timestamp</c> newer than the user's last page gives a fresh page
    /// (pull to refresh); an older one gives the history page at that time. <c>pre_timestamp</c>
    /// is what to ask for next (0: no older page).
    /// </summary>
    private static async Task<Ok<ApiEnvelope<FeedPage>>> GetFeedAsync(
        string? channel_id, string? timestamp, string? with_top,
        HttpContext http, Reader reader, ChannelCatalog channels, FeedService feed, CancellationToken cancellationToken)
    {
        var channelId = await channels.RequireChannelAsync(channel_id, cancellationToken);
        var time = RequestParameters.RequiredInt64(timestamp, "timestamp", 1, MaxExactTimestamp);
        if (FeedTimestamps.IsAheadOfClock(time, DateTimeOffset.UtcNow))
        {
            throw ApiException.BadRequest(FeedTimestamps.AheadOfClockMessage("timestamp"));
        }
        var withTop = RequestParameters.OptionalBoolean(with_top, "with_top", false);

        var page = await feed.GetPageAsync(reader, channelId, time, withTop, cancellationToken);
        if (page.DegradedBecause is { } without)
        {
            http.Response.Headers["X-Feed-Degraded"] = without;
        }

        return TypedResults.Ok(ApiEnvelope.Ok(page));
    }
}
