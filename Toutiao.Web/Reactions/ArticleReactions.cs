using MySqlConnector;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Articles;
using Toutiao.Web.Database;
using Toutiao.Web.Http;

namespace Toutiao.Web.Reactions;

/// <summary>
/// Likes and dislikes (<c>news_attitude</c>, attitude 1 or 0: one or the other) and collections (<c>news_collection</c>) of signed-in
/// readers. Setting what is already set changes nothing, so every call may be repeated. A change
/// and its counter (<c>news_article_statistic</c>) are one transaction in MySQL, the truth; the
/// counter in Redis follows in the same request, so the next page shows it.
/// </summary>
public sealed class ArticleReactions(
    MySqlDataSource database,
    [FromKeyedServices(StorageGuardExtensions.MySql)] StorageGuard mysql,
    ArticleCounterUpdates counters)
{
    /// <summary>Sets or clears a reaction; returns whether that changed anything. 404 for an unknown or unapproved article.</summary>
    public async Task<bool> SetAsync(long userId, long articleId, Reaction reaction, bool on, CancellationToken cancellationToken)
    {
        // The same reader's same request at the same time (a double tap, a retry) is applied once.
        var (changed, delta) = await mysql.RunAsync(
            token => TransactionRetry.RunAsync(() => WriteAsync(userId, articleId, reaction, on, token)), cancellationToken);

        if (delta != 0)
        {
            await counters.AddAsync(reaction == Reaction.Collect ? ArticleCounter.Collects : ArticleCounter.Likes, articleId, delta);
        }

        return changed;
    }

    /// <summary>What the detail page shows a signed-in reader: attitude (-1 none, 0 disliked, 1 liked), collected, following the author.</summary>
    /// <remarks>Behind the MySQL guard like every read of the page: a server that stops answering is a 503 within the request's budget.</remarks>
    public Task<ReaderArticleState> GetStateAsync(long userId, long articleId, long authorId, CancellationToken cancellationToken)
        => mysql.RunAsync(token => ReadStateAsync(userId, articleId, authorId, token), cancellationToken);

    private async Task<ReaderArticleState> ReadStateAsync(long userId, long articleId, long authorId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            SELECT COALESCE((SELECT attitude FROM news_attitude WHERE user_id = @u AND article_id = @a), -1),
                   COALESCE((SELECT is_deleted = 0 FROM news_collection WHERE user_id = @u AND article_id = @a), 0),
                   COALESCE((SELECT relation = 1 FROM user_relation WHERE user_id = @u AND target_user_id = @t), 0)
            """);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@a", articleId));
        command.Parameters.Add(new MySqlParameter("@t", authorId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ReaderArticleState(Convert.ToInt32(reader.GetValue(0)), Convert.ToInt64(reader.GetValue(1)) == 1, Convert.ToInt64(reader.GetValue(2)) == 1);
    }

    /// <summary>A signed-in reader's collected articles, the latest first, and how many there are.</summary>
    public async Task<(long Total, IReadOnlyList<long> Ids)> CollectedAsync(long userId, int page, int perPage, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand($"""
            SELECT COUNT(*) FROM news_collection WHERE user_id = @u AND is_deleted = 0;
            SELECT article_id FROM news_collection WHERE user_id = @u AND is_deleted = 0
            ORDER BY update_time DESC, collection_id DESC LIMIT {perPage} OFFSET {(long)(page - 1) * perPage}
            """);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var ids = new List<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return (total, ids);
    }

    /// <summary>
    /// One reader's reaction to one article in a transaction; returns whether the reader's row changed
    /// and the change of the counter it moves (<c>like_count</c> for likes and dislikes, which share
    /// the attitude row, so a dislike may change the row and not the count; <c>collect_count</c>).
    /// </summary>
    private async Task<(bool Changed, long Delta)> WriteAsync(long userId, long articleId, Reaction reaction, bool on, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // A row's state as one number: the attitude (1 liked, 0 disliked), or 1 collected; -1 none.
        var (table, state) = reaction == Reaction.Collect
            ? ("news_collection", "IF(is_deleted = 0, 1, -1)")
            : ("news_attitude", "COALESCE(attitude, -1)");
        // Whether the article may be reacted to, and the reader's row (locked, so the same request
        // twice at once is applied once).
        await using var command = new MySqlCommand($"""
            SELECT COUNT(*) FROM news_article_basic WHERE article_id = @a AND status = {ArticleRepository.ApprovedStatus};
            SELECT {state} FROM {table} WHERE user_id = @u AND article_id = @a FOR UPDATE
            """, connection, transaction);
        command.Parameters.AddWithValue("@u", userId);
        command.Parameters.AddWithValue("@a", articleId);
        bool exists;
        int? current = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            exists = reader.GetInt64(0) > 0;
            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                current = Convert.ToInt32(reader.GetValue(0));
            }
        }

        if (!exists)
        {
            throw ApiException.NotFound("Article not found.");
        }

        var before = current ?? -1;
        var set = reaction == Reaction.Dislike ? 0 : 1;
        // Taking back only takes back this reaction: unliking a disliked article changes nothing.
        var after = on ? set : before == set ? -1 : before;
        if (after == before)
        {
            return (false, 0);
        }

        var value = after == -1 ? (reaction == Reaction.Collect ? "1" : "NULL") : reaction == Reaction.Collect ? "0" : after.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var column = reaction == Reaction.Collect ? "is_deleted" : "attitude";
        command.CommandText = current is null
            ? $"INSERT INTO {table} (user_id, article_id, {column}) VALUES (@u, @a, {value})"
            : $"UPDATE {table} SET {column} = {value} WHERE user_id = @u AND article_id = @a";
        var delta = (after == 1 ? 1 : 0) - (before == 1 ? 1 : 0);
        if (delta != 0)
        {
            var counter = reaction == Reaction.Collect ? "collect_count" : "like_count";
            command.CommandText += $"""
                ;
                INSERT INTO news_article_statistic (article_id, {counter}) VALUES (@a, {Math.Max(delta, 0)})
                ON DUPLICATE KEY UPDATE {counter} = {(delta > 0 ? $"{counter} + 1" : $"GREATEST({counter}, 1) - 1")}
                """;
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (true, delta);
    }
}
