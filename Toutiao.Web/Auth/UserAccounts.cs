using MySqlConnector;

namespace Toutiao.Web.Auth;

/// <summary>Users in <c>user_basic</c>: a first login with a mobile number creates the account.</summary>
public sealed class UserAccounts(MySqlDataSource database)
{
    public sealed record Account(long UserId, bool Enabled);

    public async Task<Account> FindOrCreateAsync(string mobile, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var insert = new MySqlCommand(
            """
            INSERT IGNORE INTO user_basic (mobile, user_name, last_login) VALUES (@mobile, @mobile, UTC_TIMESTAMP());
            INSERT IGNORE INTO user_profile (user_id) SELECT user_id FROM user_basic WHERE mobile = @mobile;
            UPDATE user_basic SET last_login = UTC_TIMESTAMP() WHERE mobile = @mobile;
            """, connection))
        {
            insert.Parameters.AddWithValue("@mobile", mobile);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var select = new MySqlCommand("SELECT user_id, status FROM user_basic WHERE mobile = @mobile", connection);
        select.Parameters.AddWithValue("@mobile", mobile);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Account(reader.GetInt64(0), reader.GetInt32(1) == 1);
    }
}
