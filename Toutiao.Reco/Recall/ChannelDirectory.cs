using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Recall;

/// <summary>
/// Which channels exist. Kept in memory: it is tiny, changes rarely, and is asked on every request.
/// An unknown id reloads the list at most every few seconds, so a new channel is seen quickly
/// while a flood of bad ids cannot hammer MySQL.
/// </summary>
public sealed class ChannelDirectory(MySqlDataSource database, TimeProvider clock, IOptions<RecommendationOptions> options)
{
    private static readonly TimeSpan MinReloadGap = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile Snapshot? _snapshot;

    public async Task<bool> ExistsAsync(int channelId, CancellationToken cancellationToken)
    {
        if (channelId == RecallKeys.RecommendedChannel)
        {
            return true;
        }

        var snapshot = _snapshot;
        var now = clock.GetUtcNow();
        if (snapshot is null || now - snapshot.LoadedAt > options.Value.ChannelRefreshInterval
            || (!snapshot.Ids.Contains(channelId) && now - snapshot.LoadedAt > MinReloadGap))
        {
            snapshot = await ReloadAsync(snapshot, cancellationToken);
        }

        return snapshot.Ids.Contains(channelId);
    }

    public async Task<IReadOnlySet<int>> GetAllAsync(CancellationToken cancellationToken)
        => (await ReloadAsync(null, cancellationToken)).Ids;

    private async Task<Snapshot> ReloadAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _reload.WaitAsync(cancellationToken);
        try
        {
            // Someone else reloaded while we waited.
            if (seen is not null && !ReferenceEquals(_snapshot, seen) && _snapshot is not null)
            {
                return _snapshot;
            }

            var ids = new HashSet<int>();
            await using var command = database.CreateCommand("SELECT channel_id FROM news_channel WHERE is_visible = 1");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetInt32(0));
            }

            return _snapshot = new Snapshot(ids, clock.GetUtcNow());
        }
        finally
        {
            _reload.Release();
        }
    }

    private sealed record Snapshot(HashSet<int> Ids, DateTimeOffset LoadedAt);
}
