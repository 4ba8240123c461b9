using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Contracts.Caching;
using Toutiao.Contracts.Feed;

namespace Toutiao.Web.Channels;

/// <summary>
/// The visible channels, with "推荐" (id 0) first. Held in memory (<see cref="ChannelOptions.CacheDuration"/>):
/// the list is tiny and every feed request validates its channel against it, which must not cost a
/// round trip; with MySQL down the last list is used.
/// </summary>
public sealed class ChannelCatalog
{
    public static readonly Channel Recommended = new(RecommendedChannel.Id, RecommendedChannel.Name);

    private readonly RefreshingValue<Channels> _channels;
    private readonly IOptions<ChannelOptions> _options;

    public ChannelCatalog(MySqlDataSource database, TimeProvider clock, IOptions<ChannelOptions> options, ILogger<ChannelCatalog> logger)
    {
        _options = options;
        _channels = new("the channel list", async cancellationToken =>
        {
            var visible = new List<Channel> { Recommended };
            var defaults = new List<Channel> { Recommended };
            await using var command = database.CreateCommand(
                "SELECT channel_id, channel_name, is_default FROM news_channel WHERE is_visible = 1 ORDER BY sequence, channel_id");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var channel = new Channel(reader.GetInt32(0), reader.GetString(1));
                visible.Add(channel);
                if (reader.GetBoolean(2))
                {
                    defaults.Add(channel);
                }
            }

            return new Channels(visible, defaults);
        }, clock, TimeSpan.FromSeconds(5), logger);
    }

    public async Task<IReadOnlyList<Channel>> GetVisibleAsync(CancellationToken cancellationToken)
        => (await _channels.GetAsync(_options.Value.CacheDuration, cancellationToken)).Visible;

    /// <summary>What a reader who has not chosen follows: 推荐 and the default channels.</summary>
    public async Task<IReadOnlyList<Channel>> GetDefaultsAsync(CancellationToken cancellationToken)
        => (await _channels.GetAsync(_options.Value.CacheDuration, cancellationToken)).Defaults;

    private sealed record Channels(IReadOnlyList<Channel> Visible, IReadOnlyList<Channel> Defaults);

    public async Task<bool> ExistsAsync(int channelId, CancellationToken cancellationToken)
        => channelId == RecommendedChannel.Id
           || (await GetVisibleAsync(cancellationToken)).Any(c => c.Id == channelId);
}
