using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Recall;
using Toutiao.Web.Http;

namespace Toutiao.Web.Articles;

/// <summary>
/// An article's status changed by an editor (<c>Toutiao.Web article-status</c>, the Development
/// endpoint): MySQL first, then what serves it from elsewhere. Its cached info goes (so detail and
/// pages read MySQL again, which serves approved articles only), and it leaves Reco's recall sets
/// of its channel and of 推荐, or comes back to them when approved (the raised version makes every
/// Reco replica reload them; keyword sets keep it, and pages drop what MySQL no longer serves). Other Web processes drop their own copy within
/// <see cref="ArticleCacheOptions.LocalTtl"/> (10 s); search within its refresh (1 min); comments at once.
/// </summary>
public sealed class ArticleStatuses(
    MySqlDataSource database,
    IConnectionMultiplexer state,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    ArticleInfoCache articles)
{
    /// <summary>0 draft, 1 pending review, 2 approved, 3 rejected, 4 deleted, 5 banned (<c>news_article_basic.status</c>).</summary>
    public const int MaxStatus = 5;

    /// <summary>Sets the status; 404 for an unknown article, 400 for an unknown status.</summary>
    public async Task SetAsync(long articleId, int status, CancellationToken cancellationToken)
    {
        if (status is < 0 or > MaxStatus)
        {
            throw ApiException.BadRequest($"status must be 0 to {MaxStatus}: 0 draft, 1 pending review, 2 approved, 3 rejected, 4 deleted, 5 banned.");
        }

        await using var command = database.CreateCommand("""
            UPDATE news_article_basic SET status = @status WHERE article_id = @id;
            SELECT channel_id, create_time FROM news_article_basic WHERE article_id = @id;
            """);
        command.Parameters.Add(new MySqlParameter("@id", articleId));
        command.Parameters.Add(new MySqlParameter("@status", status));
        int channel;
        double published;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw ApiException.NotFound("Article not found.");
            }

            channel = reader.GetInt32(0);
            published = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc)).ToUnixTimeMilliseconds();
        }

        articles.Forget(articleId);
        await cache.GetDatabase().KeyDeleteAsync(ArticleCacheKeys.Info(articleId));

        // Approved again: back in the newest sets by its publish time, and in the hot ones with no
        // heat of its own (NX: a rebuild that put it back first knows better) until the next rebuild.
        var approved = status == ArticleRepository.ApprovedStatus;
        var db = state.GetDatabase();
        var batch = db.CreateBatch();
        var writes = new List<Task>();
        foreach (var id in new[] { channel, RecommendedChannel.Id })
        {
            writes.Add(approved
                ? batch.SortedSetAddAsync(RecallKeys.New(id), articleId, published, SortedSetWhen.NotExists)
                : batch.SortedSetRemoveAsync(RecallKeys.New(id), articleId));
            writes.Add(approved
                ? batch.SortedSetAddAsync(RecallKeys.Hot(id), articleId, 0, SortedSetWhen.NotExists)
                : batch.SortedSetRemoveAsync(RecallKeys.Hot(id), articleId));
        }

        batch.Execute();
        await Task.WhenAll(writes);
        await db.StringIncrementAsync(RecallKeys.NewVersion);
    }
}
