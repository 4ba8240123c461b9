using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Web.Channels;

public static class ChannelEndpoints
{
    /// <summary>A channel list is short: 16 KB holds every channel several times over.</summary>
    public const long MaxBodyBytes = 16 * 1024;

    public sealed record ChannelList(IReadOnlyList<Channel> Channels);

    public sealed record UserChannelsRequest(IReadOnlyList<UserChannel>? Channels);

    public sealed record UserChannelList(IReadOnlyList<UserChannel> Channels);

    public static IEndpointRouteBuilder MapChannelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/channels", async (ChannelCatalog catalog, CancellationToken cancellationToken)
            => TypedResults.Ok(ApiEnvelope.Ok(new ChannelList(await catalog.GetVisibleAsync(cancellationToken)))));

        // The app's first call: the reader's channels, or the defaults without a token.
        app.MapGet("/v1_0/user/channels", async (Reader reader, UserChannels channels, CancellationToken cancellationToken)
            => TypedResults.Ok(ApiEnvelope.Ok(new ChannelList(await channels.GetAsync(reader.UserId, cancellationToken))))).WithSharedLimit(SharedLimit.Reads);
        app.MapPut("/v1_0/user/channels", (UserChannelsRequest? body, SignedInReader reader, UserChannels channels, CancellationToken cancellationToken)
            => SetAsync(body, replace: true, reader, channels, cancellationToken)).WithBodyLimit(MaxBodyBytes).WithSharedLimit(SharedLimit.Writes);
        app.MapPatch("/v1_0/user/channels", (UserChannelsRequest? body, SignedInReader reader, UserChannels channels, CancellationToken cancellationToken)
            => SetAsync(body, replace: false, reader, channels, cancellationToken)).WithBodyLimit(MaxBodyBytes).WithSharedLimit(SharedLimit.Writes);
        app.MapDelete("/v1_0/user/channels/{target}", async (string target, SignedInReader reader, UserChannels channels, CancellationToken cancellationToken) =>
        {
            var userId = reader.UserId;
            await channels.RemoveAsync(userId, (int)RequestParameters.RequiredInt64(target, "target", 1, int.MaxValue), cancellationToken);
            return TypedResults.NoContent();
        }).WithSharedLimit(SharedLimit.Writes);
        return app;
    }

    /// <summary>PUT replaces the reader's channels (an empty list: back to the defaults); PATCH adds or moves some.</summary>
    private static async Task<Ok<ApiEnvelope<UserChannelList>>> SetAsync(
        UserChannelsRequest? body, bool replace, SignedInReader reader, UserChannels channels, CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        var valid = await channels.RequireValidAsync(body?.Channels, allowEmpty: replace, cancellationToken);
        await channels.SetAsync(userId, valid, replace, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(new UserChannelList(valid)));
    }

    /// <summary>Parses a channel_id parameter and checks that the channel exists.</summary>
    public static async Task<int> RequireChannelAsync(this ChannelCatalog catalog, string? value, CancellationToken cancellationToken)
    {
        var channelId = (int)RequestParameters.RequiredInt64(value, "channel_id", 0, int.MaxValue);
        if (!await catalog.ExistsAsync(channelId, cancellationToken))
        {
            throw ApiException.BadRequest($"channel_id {channelId} does not exist.");
        }

        return channelId;
    }
}
