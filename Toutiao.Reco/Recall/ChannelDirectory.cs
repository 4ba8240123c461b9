using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Contracts.Caching;
using Toutiao.Contracts.Feed;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Recall;

/// <summary>
/// Which channels exist. Kept in memory: it is tiny, changes rarely, and is asked on every request.
/// A list past its refresh interval is reloaded in the background; an unknown id waits for a
/// reload at most every few seconds, so a new channel is seen quickly while a flood of bad ids
/// cannot hammer MySQL. With MySQL down the last list is used.
/// </summary>
public sealed class ChannelDirectory
{
    private static readonly TimeSpan MinReloadGap = TimeSpan.FromSeconds(5);

    private readonly RefreshingValue<HashSet<int>> _ids;
    private readonly IOptions<RecommendationOptions> _options;

    public ChannelDirectory(MySqlDataSource database, TimeProvider clock, IOptions<RecommendationOptions> options, ILogger<ChannelDirectory> logger)
    {
        _options = options;
        _ids = new RefreshingValue<HashSet<int>>("the channel ids", async cancellationToken =>
        {
            var ids = new HashSet<int>();
            await using var command = database.CreateCommand("SELECT channel_id FROM news_channel WHERE is_visible = 1");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt32(0));
            }

            return ids;
        }, clock, MinReloadGap, logger);
    }

    public async Task<bool> ExistsAsync(int channelId, CancellationToken cancellationToken)
        => channelId == RecommendedChannel.Id
           || (await _ids.GetAsync(_options.Value.ChannelRefreshInterval, cancellationToken)).Contains(channelId)
           || (await _ids.GetAsync(MinReloadGap, cancellationToken, waitForReload: true)).Contains(channelId);

    public async Task<IReadOnlySet<int>> GetAllAsync(CancellationToken cancellationToken)
        => await _ids.GetAsync(TimeSpan.Zero, cancellationToken, waitForReload: true);
}
