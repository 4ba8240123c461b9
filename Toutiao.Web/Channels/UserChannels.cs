using MySqlConnector;
using Toutiao.Contracts.Feed;
using Toutiao.Web.Http;

namespace Toutiao.Web.Channels;

/// <summary>
/// The channels a signed-in reader follows (<c>news_user_channel</c>, in <c>sequence</c>), 推荐
/// always first and never stored; a reader who has chosen none follows the defaults.
/// </summary>
public sealed class UserChannels(MySqlDataSource database, ChannelCatalog catalog)
{
    public const int MaxChannels = 100;

    public async Task<IReadOnlyList<Channel>> GetAsync(long? userId, CancellationToken cancellationToken)
    {
        if (userId is not { } id)
        {
            return await catalog.GetDefaultsAsync(cancellationToken);
        }

        var followed = new List<int>();
        await using (var command = database.CreateCommand(
            "SELECT channel_id FROM news_user_channel WHERE user_id = @u AND is_deleted = 0 ORDER BY sequence, channel_id"))
        {
            command.Parameters.Add(new MySqlParameter("@u", id));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                followed.Add(reader.GetInt32(0));
            }
        }

        if (followed.Count == 0)
        {
            return await catalog.GetDefaultsAsync(cancellationToken);
        }

        // Channels since hidden are left out, not shown as errors.
        var visible = (await catalog.GetVisibleAsync(cancellationToken)).ToDictionary(c => c.Id);
        return [ChannelCatalog.Recommended, .. followed.Where(visible.ContainsKey).Select(c => visible[c])];
    }

    /// <summary>
    /// Follows <paramref name="channels"/> at their positions. <paramref name="replace"/> (PUT) makes
    /// them the whole list; otherwise (PATCH) they are added or moved and the rest stay.
    /// </summary>
    public async Task SetAsync(long userId, IReadOnlyList<UserChannel> channels, bool replace, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new MySqlCommand("", connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        var statements = new List<string>();
        if (replace)
        {
            statements.Add("UPDATE news_user_channel SET is_deleted = 1 WHERE user_id = @u");
        }

        for (var i = 0; i < channels.Count; i++)
        {
            command.Parameters.Add(new MySqlParameter($"@c{i}", channels[i].Id));
            command.Parameters.Add(new MySqlParameter($"@s{i}", channels[i].Seq));
            statements.Add($"""
                INSERT INTO news_user_channel (user_id, channel_id, sequence) VALUES (@u, @c{i}, @s{i})
                ON DUPLICATE KEY UPDATE sequence = VALUES(sequence), is_deleted = 0
                """);
        }

        command.CommandText = string.Join(";\n", statements);
        if (statements.Count > 0)
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Stops following a channel; following it no more is no error.</summary>
    public async Task RemoveAsync(long userId, int channelId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("UPDATE news_user_channel SET is_deleted = 1 WHERE user_id = @u AND channel_id = @c");
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@c", channelId));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Checks a list the app sent: visible channels other than 推荐, each once, positions from 1.</summary>
    public async Task<IReadOnlyList<UserChannel>> RequireValidAsync(IReadOnlyList<UserChannel>? channels, bool allowEmpty, CancellationToken cancellationToken)
    {
        if (channels is null || (channels.Count == 0 && !allowEmpty) || channels.Count > MaxChannels)
        {
            throw ApiException.BadRequest($"channels must be a list of 1 to {MaxChannels} {{\"id\", \"seq\"}}.");
        }

        foreach (var channel in channels)
        {
            if (channel.Id == RecommendedChannel.Id)
            {
                throw ApiException.BadRequest("channels: 推荐 (0) is always first and cannot be set.");
            }

            if (!await catalog.ExistsAsync(channel.Id, cancellationToken))
            {
                throw ApiException.BadRequest($"channels: channel {channel.Id} does not exist.");
            }

            if (channel.Seq < 1)
            {
                throw ApiException.BadRequest($"channels: seq of channel {channel.Id} must be at least 1.");
            }
        }

        if (channels.Select(c => c.Id).Distinct().Count() != channels.Count)
        {
            throw ApiException.BadRequest("channels: each channel may be given once.");
        }

        return channels;
    }
}
