using MySqlConnector;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Articles;
using Toutiao.Web.Database;
using Toutiao.Web.Http;

namespace Toutiao.Web.Comments;

/// <summary>
/// Comments on articles and replies to comments (<c>news_comment</c>), newest first. Posting one
/// counts it in the article's <c>comment_count</c> (replies too) in the same MySQL transaction, and
/// in Redis' counter in the same request, so the feed's <c>comm_count</c> agrees.
/// </summary>
public sealed class ArticleComments(
    MySqlDataSource database,
    [FromKeyedServices(StorageGuardExtensions.MySql)] StorageGuard mysql,
    ArticleCounterUpdates counters)
{
    public const int MaxContentLength = 500;
    public const int MaxLimit = 50;

    private const string ItemColumns = """
        c.comment_id, c.user_id, COALESCE(u.user_name, ''), u.profile_photo, c.like_count, c.reply_count, c.ctime, c.content, c.is_top,
        EXISTS (SELECT 1 FROM news_comment_liking l WHERE l.comment_id = c.comment_id AND l.user_id = @reader AND l.is_deleted = 0)
        """;

    /// <summary>Comments of an article (<paramref name="ofArticle"/>) or replies to a comment, older than <paramref name="offset"/>.</summary>
    public async Task<CommentPage> ListAsync(bool ofArticle, long source, long? offset, int limit, long? readerId, CancellationToken cancellationToken)
    {
        // Only an approved article's: a withdrawn or banned article's comments go with it, at once.
        var scope = (ofArticle ? "c.article_id = @source AND c.parent_id IS NULL" : "c.parent_id = @source")
            + $" AND EXISTS (SELECT 1 FROM news_article_basic a WHERE a.article_id = c.article_id AND a.status = {ArticleRepository.ApprovedStatus})";
        await using var command = database.CreateCommand($"""
            SELECT COUNT(*), COALESCE(MIN(c.comment_id), 0) FROM news_comment c WHERE {scope} AND c.status = 1;
            SELECT {ItemColumns}
            FROM news_comment c LEFT JOIN user_basic u ON u.user_id = c.user_id
            WHERE {scope} AND c.status = 1 AND c.comment_id < @offset
            ORDER BY c.is_top DESC, c.comment_id DESC LIMIT {limit}
            """);
        command.Parameters.Add(new MySqlParameter("@source", source));
        command.Parameters.Add(new MySqlParameter("@offset", offset ?? long.MaxValue));
        command.Parameters.Add(new MySqlParameter("@reader", readerId ?? 0));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (total, endId) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.NextResultAsync(cancellationToken);
        var results = new List<CommentItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            results.Add(ReadItem(reader));
        }

        return new CommentPage(total, endId, results.Count > 0 ? results[^1].ComId : 0, results);
    }

    /// <summary>
    /// Posts a comment on article <paramref name="target"/> or, with <paramref name="articleId"/>, a
    /// reply to comment <paramref name="target"/> of that article. 404 when either is unknown.
    /// </summary>
    /// <param name="idempotencyKey">The request's <c>Idempotency-Key</c>: sent again, the first answer (<see cref="CommentPosting.Replayed"/>), no second comment.</param>
    public async Task<CommentPosting> AddAsync(long userId, long target, long? articleId, string content, string? idempotencyKey, CancellationToken cancellationToken)
    {
        // Within MySQL's share of the request: a server that does not answer in time has not
        // committed the comment (the transaction is rolled back with its connection), and the
        // client is told so. Once committed, the comment is done: the count follows.
        var posted = await mysql.RunAsync(
            token => TransactionRetry.RunAsync(() => InsertAsync(userId, target, articleId, content, idempotencyKey, token)), cancellationToken);
        if (!posted.Replayed)
        {
            await counters.AddAsync(ArticleCounter.Comments, posted.ArticleId, 1);
        }

        return posted;
    }

    private async Task<CommentPosting> InsertAsync(long userId, long target, long? articleId, string content, string? idempotencyKey, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (idempotencyKey is not null
            && await IdempotentWrites.ClaimAsync<CommentPosting>(connection, transaction, userId, idempotencyKey,
                IdempotentWrites.Fingerprint("comment", target, articleId, content), cancellationToken) is { } first)
        {
            return first with { Replayed = true };
        }

        await using var command = new MySqlCommand("", connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@target", target));
        command.Parameters.Add(new MySqlParameter("@content", content));
        command.Parameters.Add(new MySqlParameter("@reader", userId));

        // The comment replied to is locked while its reply count changes; either way the article must
        // be approved and open to comments (allow_comment), a reply's as much as a comment's.
        command.CommandText = articleId is null
            ? $"SELECT article_id, status = {ArticleRepository.ApprovedStatus}, allow_comment FROM news_article_basic WHERE article_id = @target"
            : $"""
              SELECT a.article_id, a.status = {ArticleRepository.ApprovedStatus}, a.allow_comment FROM news_comment c JOIN news_article_basic a ON a.article_id = c.article_id
              WHERE c.comment_id = @target AND c.status = 1 FOR UPDATE
              """;
        long article;
        await using (var found = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await found.ReadAsync(cancellationToken) || (articleId is { } replyTo && found.GetInt64(0) != replyTo))
            {
                throw ApiException.NotFound(articleId is null ? "Article not found." : "Comment not found in this article.");
            }

            // status is TINYINT(1), which the driver reads as a boolean: compared in SQL.
            if (Convert.ToInt64(found.GetValue(1)) != 1)
            {
                throw ApiException.NotFound("Article not found.");
            }

            if (!found.GetBoolean(2))
            {
                throw new ApiException(StatusCodes.Status403Forbidden, "Comments are closed on this article.");
            }

            article = found.GetInt64(0);
        }

        command.Parameters.Add(new MySqlParameter("@article", article));
        command.Parameters.Add(new MySqlParameter("@parent", articleId is null ? null : target));
        command.CommandText = $"""
            INSERT INTO news_comment (user_id, article_id, parent_id, content) VALUES (@u, @article, @parent, @content);
            SELECT {ItemColumns} FROM news_comment c LEFT JOIN user_basic u ON u.user_id = c.user_id WHERE c.comment_id = LAST_INSERT_ID();
            {(articleId is null ? "" : "UPDATE news_comment SET reply_count = reply_count + 1 WHERE comment_id = @target;")}
            INSERT INTO news_article_statistic (article_id, comment_count) VALUES (@article, 1)
            ON DUPLICATE KEY UPDATE comment_count = comment_count + 1
            """;
        CommentItem item;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            item = ReadItem(reader);
            // The statements after the SELECT run as the reader moves past their results.
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }

        var posted = new CommentPosting(article, new PostedComment(item.ComId, target, articleId, item));
        if (idempotencyKey is not null)
        {
            await IdempotentWrites.StoreAsync(connection, transaction, userId, idempotencyKey, posted, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return posted;
    }

    /// <summary>Likes or unlikes a comment, idempotently: the comment's count is recounted under its row's lock.</summary>
    public async Task SetLikingAsync(long userId, long commentId, bool on, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT COUNT(*) FROM news_comment WHERE comment_id = @c AND status = 1 FOR UPDATE", connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@c", commentId));
        if (Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken)) == 0)
        {
            throw ApiException.NotFound("Comment not found.");
        }

        command.CommandText = $"""
            INSERT INTO news_comment_liking (user_id, comment_id, is_deleted) VALUES (@u, @c, {(on ? 0 : 1)})
            ON DUPLICATE KEY UPDATE is_deleted = VALUES(is_deleted);
            UPDATE news_comment SET like_count = (SELECT COUNT(*) FROM news_comment_liking WHERE comment_id = @c AND is_deleted = 0)
            WHERE comment_id = @c
            """;
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static CommentItem ReadItem(System.Data.Common.DbDataReader reader) => new(
        reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetInt64(4), reader.GetInt64(5), reader.GetDateTime(6), reader.GetString(7), reader.GetInt32(8), Convert.ToInt64(reader.GetValue(9)) == 1);
}
