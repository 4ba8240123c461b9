using MySqlConnector;
using Toutiao.Web.Database;
using Toutiao.Web.Http;

namespace Toutiao.Web.Users;

/// <summary>
/// Who a signed-in reader follows (<c>user_relation</c>, relation 1). Following twice, or unfollowing
/// a stranger, changes nothing; <c>following_count</c> and <c>fans_count</c> in <c>user_basic</c>
/// are recounted in the same transaction, so they always match the relations.
/// </summary>
public sealed class Followings(MySqlDataSource database)
{
    /// <summary>Follows or unfollows; returns whether that changed anything. 404 for an unknown user, 400 for oneself.</summary>
    public async Task<bool> SetAsync(long userId, long targetUserId, bool follow, CancellationToken cancellationToken)
    {
        if (targetUserId == userId)
        {
            throw ApiException.BadRequest("target: a reader cannot follow themselves.");
        }

        // Two readers following each other at the same moment lock their rows in opposite order.
        return await TransactionRetry.RunAsync(() => WriteAsync(userId, targetUserId, follow, cancellationToken));
    }

    private async Task<bool> WriteAsync(long userId, long targetUserId, bool follow, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The target's row, locked, serialises every change of who follows them: the relation read
        // next is the one this transaction would replace.
        await using var command = new MySqlCommand("""
            SELECT COUNT(*) FROM user_basic WHERE user_id = @t FOR UPDATE;
            SELECT relation FROM user_relation WHERE user_id = @u AND target_user_id = @t FOR UPDATE
            """, connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@t", targetUserId));
        bool exists, following;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            exists = reader.GetInt64(0) > 0;
            await reader.NextResultAsync(cancellationToken);
            following = await reader.ReadAsync(cancellationToken) && Convert.ToInt32(reader.GetValue(0)) == 1;
        }

        if (!exists)
        {
            throw ApiException.NotFound("User not found.");
        }

        if (following == follow)
        {
            return false;
        }

        command.CommandText = $"""
            INSERT INTO user_relation (user_id, target_user_id, relation) VALUES (@u, @t, {(follow ? 1 : 0)})
            ON DUPLICATE KEY UPDATE relation = VALUES(relation);
            UPDATE user_basic SET fans_count = (SELECT COUNT(*) FROM user_relation WHERE target_user_id = @t AND relation = 1) WHERE user_id = @t;
            UPDATE user_basic SET following_count = (SELECT COUNT(*) FROM user_relation WHERE user_id = @u AND relation = 1) WHERE user_id = @u
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }
}
