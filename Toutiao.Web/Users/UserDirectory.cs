using System.Data.Common;
using MySqlConnector;
using Toutiao.Web.Http;

namespace Toutiao.Web.Users;

/// <summary>Users in <c>user_basic</c> and <c>user_profile</c>, and their relations in <c>user_relation</c>.</summary>
public sealed class UserDirectory(MySqlDataSource database)
{
    private const int DuplicateKey = 1062;

    /// <summary>A user by id; <paramref name="viewerId"/> adds whether the viewer follows them. 404 when unknown.</summary>
    public async Task<PublicUser> GetAsync(long userId, long? viewerId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT user_id, user_name, profile_photo, is_media, introduction, certificate,
                   article_count, following_count, fans_count, like_count,
                   EXISTS (SELECT 1 FROM user_relation r WHERE r.user_id = @viewer AND r.target_user_id = @u AND r.relation = 1)
            FROM user_basic WHERE user_id = @u
            """);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@viewer", viewerId ?? 0));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw ApiException.NotFound("User not found.");
        }

        return new PublicUser(reader.GetInt64(0), reader.GetString(1), Nullable(reader, 2), reader.GetBoolean(3), Nullable(reader, 4), Nullable(reader, 5),
            reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9),
            viewerId is null || viewerId == userId ? null : Convert.ToInt64(reader.GetValue(10)) == 1);
    }

    public async Task<UserProfile> GetProfileAsync(long userId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT b.user_id, b.user_name, b.profile_photo, b.mobile, COALESCE(p.gender, 0), p.birthday, b.introduction
            FROM user_basic b LEFT JOIN user_profile p ON p.user_id = b.user_id WHERE b.user_id = @u
            """);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw ApiException.NotFound("User not found.");
        }

        return new UserProfile(reader.GetInt64(0), reader.GetString(1), Nullable(reader, 2), reader.GetString(3), Convert.ToInt32(reader.GetValue(4)),
            reader.IsDBNull(5) ? null : reader.GetDateTime(5).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Nullable(reader, 6));
    }

    /// <summary>Changes what was given, in one transaction; 409 when the name is taken.</summary>
    public async Task<UserProfile> UpdateProfileAsync(long userId, ProfileChanges changes, CancellationToken cancellationToken)
    {
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        await using (var command = new MySqlCommand("", connection, transaction))
        {
            command.Parameters.Add(new MySqlParameter("@u", userId));
            command.Parameters.Add(new MySqlParameter("@name", changes.Name));
            command.Parameters.Add(new MySqlParameter("@intro", changes.Intro));
            command.Parameters.Add(new MySqlParameter("@gender", changes.Gender));
            command.Parameters.Add(new MySqlParameter("@birthday", changes.Birthday));
            command.CommandText = """
                UPDATE user_basic SET user_name = COALESCE(@name, user_name), introduction = COALESCE(@intro, introduction) WHERE user_id = @u;
                INSERT INTO user_profile (user_id, gender, birthday) VALUES (@u, COALESCE(@gender, 0), @birthday)
                ON DUPLICATE KEY UPDATE gender = COALESCE(@gender, gender), birthday = COALESCE(@birthday, birthday)
                """;
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (MySqlException ex) when (ex.Number == DuplicateKey)
            {
                throw new ApiException(StatusCodes.Status409Conflict, "name is taken by another user.");
            }

            await transaction.CommitAsync(cancellationToken);
        }

        return await GetProfileAsync(userId, cancellationToken);
    }

    /// <summary>
    /// The users <paramref name="userId"/> follows (<paramref name="followers"/>: who follow them), the
    /// latest first; <c>mutual_follow</c> when the relation goes both ways.
    /// </summary>
    public async Task<RelatedUserPage> RelatedAsync(long userId, bool followers, int page, int perPage, CancellationToken cancellationToken)
    {
        var (mine, theirs) = followers ? ("target_user_id", "user_id") : ("user_id", "target_user_id");
        await using var command = database.CreateCommand($"""
            SELECT COUNT(*) FROM user_relation WHERE {mine} = @u AND relation = 1;
            SELECT b.user_id, b.user_name, b.profile_photo, b.fans_count,
                   EXISTS (SELECT 1 FROM user_relation back
                           WHERE back.user_id = r.target_user_id AND back.target_user_id = r.user_id AND back.relation = 1)
            FROM user_relation r JOIN user_basic b ON b.user_id = r.{theirs}
            WHERE r.{mine} = @u AND r.relation = 1
            ORDER BY r.update_time DESC, r.relation_id DESC LIMIT {perPage} OFFSET {(long)(page - 1) * perPage}
            """);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var results = new List<RelatedUser>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(new RelatedUser(reader.GetInt64(0), reader.GetString(1), Nullable(reader, 2), reader.GetInt64(3), Convert.ToInt64(reader.GetValue(4)) == 1));
        }

        return new RelatedUserPage(total, page, perPage, results);
    }

    /// <summary>Sets the user's photo; answers the one it replaced (null when there was none). 404 when unknown.</summary>
    public async Task<string?> ReplacePhotoAsync(long userId, string path, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The row locked between reading the old photo and writing the new one: of two uploads at
        // once, each learns the photo it replaced, so neither file is left behind.
        await using var command = new MySqlCommand("""
            SELECT profile_photo FROM user_basic WHERE user_id = @u FOR UPDATE;
            UPDATE user_basic SET profile_photo = @p WHERE user_id = @u;
            """, connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@p", path));
        string? previous;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw ApiException.NotFound("User not found.");
            }

            previous = Nullable(reader, 0);
        }

        await transaction.CommitAsync(cancellationToken);
        return previous;
    }

    private static string? Nullable(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
