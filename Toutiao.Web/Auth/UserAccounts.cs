using MySqlConnector;
using Toutiao.Web.Users;

namespace Toutiao.Web.Auth;

/// <summary>Users in <c>user_basic</c>: a first login with a mobile number creates the account.</summary>
public sealed class UserAccounts(MySqlDataSource database)
{
    public sealed record Account(long UserId, bool Enabled);

    public async Task<Account> FindOrCreateAsync(string mobile, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // A new user gets a generated name (names are public, mobile numbers are not); names are
        // unique, so a clash, which ignores the insert, is tried again with another.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using (var insert = new MySqlCommand(
                """
                INSERT IGNORE INTO user_basic (mobile, user_name, last_login) VALUES (@mobile, @name, UTC_TIMESTAMP());
                INSERT IGNORE INTO user_profile (user_id) SELECT user_id FROM user_basic WHERE mobile = @mobile;
                -- The default avatar (a generated placeholder until the user uploads a photo): the app shows photo as is.
                UPDATE user_basic SET profile_photo = CONCAT('/images/user/', user_id, '.png') WHERE mobile = @mobile AND profile_photo IS NULL;
                UPDATE user_basic SET last_login = UTC_TIMESTAMP() WHERE mobile = @mobile;
                """, connection))
            {
                insert.Parameters.AddWithValue("@mobile", mobile);
                insert.Parameters.AddWithValue("@name", DisplayName.Generate());
                await insert.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var select = new MySqlCommand("SELECT user_id, status FROM user_basic WHERE mobile = @mobile", connection);
            select.Parameters.AddWithValue("@mobile", mobile);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                return new Account(reader.GetInt64(0), reader.GetInt32(1) == 1);
            }
        }

        throw new InvalidOperationException($"No account could be created for a mobile number ending in {mobile[^4..]}.");
    }

    /// <summary>Whether the user exists and is enabled (<c>status</c> 1).</summary>
    public async Task<bool> IsEnabledAsync(long userId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT status FROM user_basic WHERE user_id = @id");
        command.Parameters.Add(new MySqlParameter("@id", userId));
        return await command.ExecuteScalarAsync(cancellationToken) is { } status && Convert.ToInt32(status) == 1;
    }
}
