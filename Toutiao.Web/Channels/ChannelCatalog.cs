using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.ServiceDefaults.Caching;

namespace Toutiao.Web.Channels;

public sealed record Channel(int Id, string Name);

public sealed class ChannelOptions
{
    public const string SectionName = "Channels";

    /// <summary>How long the channel list is held in memory before one request reloads it.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The visible channels, with "推荐" (id 0) first. Held in memory (<see cref="ChannelOptions.CacheDuration"/>):
/// the list is tiny and every feed request validates its channel against it, which must not cost a
/// round trip; with MySQL down the last list is used.
/// </summary>
public sealed class ChannelCatalog
{
    public const int RecommendedChannelId = 0;
    public static readonly Channel Recommended = new(RecommendedChannelId, "推荐");

    private readonly RefreshingValue<IReadOnlyList<Channel>> _channels;
    private readonly IOptions<ChannelOptions> _options;

    public ChannelCatalog(MySqlDataSource database, TimeProvider clock, IOptions<ChannelOptions> options, ILogger<ChannelCatalog> logger)
    {
        _options = options;
        _channels = new RefreshingValue<IReadOnlyList<Channel>>("the channel list", async cancellationToken =>
        {
            var channels = new List<Channel> { Recommended };
            await using var command = database.CreateCommand(
                "SELECT channel_id, channel_name FROM news_channel WHERE is_visible = 1 ORDER BY sequence, channel_id");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                channels.Add(new Channel(reader.GetInt32(0), reader.GetString(1)));
            }

            return channels;
        }, clock, TimeSpan.FromSeconds(5), logger);
    }

    public Task<IReadOnlyList<Channel>> GetVisibleAsync(CancellationToken cancellationToken)
        => _channels.GetAsync(_options.Value.CacheDuration, cancellationToken);

    public async Task<bool> ExistsAsync(int channelId, CancellationToken cancellationToken)
        => channelId == RecommendedChannelId
           || (await GetVisibleAsync(cancellationToken)).Any(c => c.Id == channelId);
}
