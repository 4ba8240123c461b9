using Toutiao.Web.Http;

namespace Toutiao.Web.Channels;

public static class ChannelEndpoints
{
    public sealed record ChannelList(IReadOnlyList<Channel> Channels);

    public static IEndpointRouteBuilder MapChannelEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/channels", async (ChannelCatalog catalog, CancellationToken cancellationToken)
            => TypedResults.Ok(ApiEnvelope.Ok(new ChannelList(await catalog.GetVisibleAsync(cancellationToken)))));
        return app;
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
