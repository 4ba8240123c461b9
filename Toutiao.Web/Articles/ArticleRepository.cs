using System.Data.Common;
using System.Text.Json;
using MySqlConnector;
using Toutiao.Web.Database;

namespace Toutiao.Web.Articles;

/// <summary>
/// The articles, authors and counters in MySQL: the source of truth behind the caches. Articles,
/// authors, lists and contents are read through <see cref="ReadReplica"/> (the replica when there
/// is one); counters and pins fill Redis's live copies and are read from the primary, and so are
/// whole cards with their counts, which stand in for Redis's live counters while it is down.
/// </summary>
public sealed class ArticleRepository(MySqlDataSource database, ReadReplica reads)
{
    public const int ApprovedStatus = 2;

    /// <summary>
    /// Loads approved articles (with their authors) and further authors in one round trip:
    /// two statements, one command.
    /// </summary>
    public Task<(Dictionary<long, ArticleInfo> Articles, Dictionary<long, AuthorProfile> Authors)> LoadAsync(
        IReadOnlyCollection<long> articleIds, IReadOnlyCollection<long> authorIds, CancellationToken cancellationToken)
        => reads.ReadAsync(source => LoadAsync(source, articleIds, authorIds, cancellationToken), cancellationToken,
            lacking: loaded => loaded.Articles.Count < articleIds.Count || authorIds.Any(id => !loaded.Authors.ContainsKey(id)));

    private static async Task<(Dictionary<long, ArticleInfo> Articles, Dictionary<long, AuthorProfile> Authors)> LoadAsync(
        MySqlDataSource database, IReadOnlyCollection<long> articleIds, IReadOnlyCollection<long> authorIds, CancellationToken cancellationToken)
    {
        var articles = new Dictionary<long, ArticleInfo>();
        var authors = new Dictionary<long, AuthorProfile>();
        if (articleIds.Count == 0 && authorIds.Count == 0)
        {
            return (articles, authors);
        }

        await using var command = database.CreateCommand();
        var sql = new List<string>();
        if (articleIds.Count > 0)
        {
            sql.Add($"SELECT {ArticleColumns} FROM {ArticleTables} WHERE a.status = {ApprovedStatus} AND a.article_id IN ({AddParameters(command, "a", articleIds)})");
        }

        if (authorIds.Count > 0)
        {
            sql.Add($"SELECT user_id, user_name, profile_photo FROM user_basic WHERE user_id IN ({AddParameters(command, "u", authorIds)})");
        }

        command.CommandText = string.Join(";\n", sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (articleIds.Count > 0)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var (info, author) = ReadArticle(reader);
                articles[info.ArtId] = info;
                if (author is not null)
                {
                    authors[info.AutId] = author;
                }
            }

            await reader.NextResultAsync(cancellationToken);
        }

        if (authorIds.Count > 0)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var author = new AuthorProfile(reader.GetInt64(0), reader.GetString(1), NullableString(reader, 2));
                authors[author.UserId] = author;
            }
        }

        return (articles, authors);
    }

    /// <summary>
    /// Whole cards (article, author, counters from <c>news_article_statistic</c>) in one query, for
    /// when Redis is down and neither the cache nor the live counters can be read.
    /// </summary>
    public async Task<Dictionary<long, ArticleCard>> LoadCardsAsync(IReadOnlyCollection<long> articleIds, CancellationToken cancellationToken)
    {
        var cards = new Dictionary<long, ArticleCard>();
        if (articleIds.Count == 0)
        {
            return cards;
        }

        await using var command = database.CreateCommand();
        command.CommandText = $"""
            SELECT {ArticleColumns},
                   COALESCE(s.comment_count, 0), COALESCE(s.like_count, 0), COALESCE(s.collect_count, 0), COALESCE(s.read_count, 0)
            FROM {ArticleTables} LEFT JOIN news_article_statistic s ON s.article_id = a.article_id
            WHERE a.status = {ApprovedStatus} AND a.article_id IN ({AddParameters(command, "a", articleIds)})
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (info, author) = ReadArticle(reader);
            cards[info.ArtId] = new ArticleCard(info, author,
                new ArticleCounts(reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11)));
        }

        return cards;
    }

    /// <summary>An article with its author: the columns <see cref="ReadArticle"/> reads, first in every article query.</summary>
    private const string ArticleColumns = "a.article_id, a.user_id, a.channel_id, a.title, a.cover, a.create_time, u.user_name, u.profile_photo";

    private const string ArticleTables = "news_article_basic a LEFT JOIN user_basic u ON u.user_id = a.user_id";

    private static (ArticleInfo Info, AuthorProfile? Author) ReadArticle(DbDataReader reader)
    {
        var info = new ArticleInfo(reader.GetInt64(0), reader.GetString(3), reader.GetInt64(1), reader.GetInt32(2),
            reader.GetDateTime(5), ParseCover(reader.GetString(4)));
        return (info, reader.IsDBNull(6) ? null : new AuthorProfile(info.AutId, reader.GetString(6), NullableString(reader, 7)));
    }

    /// <summary>One page of a channel's approved articles, newest first (channel 0: every channel; an author: theirs only), and their total.</summary>
    public Task<(long Total, IReadOnlyList<long> Ids)> ListApprovedAsync(int channelId, int page, int perPage, CancellationToken cancellationToken,
        long? authorId = null)
        => reads.ReadAsync(source => ListApprovedAsync(source, channelId, page, perPage, authorId, cancellationToken), cancellationToken);

    private static async Task<(long Total, IReadOnlyList<long> Ids)> ListApprovedAsync(MySqlDataSource database, int channelId, int page, int perPage,
        long? authorId, CancellationToken cancellationToken)
    {
        var filter = (channelId == 0 ? "" : "AND channel_id = @channel") + (authorId is null ? "" : " AND user_id = @author");
        await using var command = database.CreateCommand($"""
            SELECT COUNT(*) FROM news_article_basic WHERE status = {ApprovedStatus} {filter};
            SELECT article_id FROM news_article_basic WHERE status = {ApprovedStatus} {filter}
            ORDER BY create_time DESC, article_id DESC LIMIT @offset, @size
            """);
        AddParameter(command, "@channel", channelId);
        AddParameter(command, "@author", authorId ?? 0);
        AddParameter(command, "@offset", (long)(page - 1) * perPage);
        AddParameter(command, "@size", perPage);

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var ids = new List<long>(perPage);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return (total, ids);
    }

    public Task<string?> GetContentAsync(long articleId, CancellationToken cancellationToken)
        => reads.ReadAsync(async source =>
        {
            await using var command = source.CreateCommand("SELECT content FROM news_article_content WHERE article_id = @id");
            AddParameter(command, "@id", articleId);
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }, cancellationToken, lacking: content => content is null);

    /// <summary>
    /// The four counts (<see cref="Toutiao.Contracts.Articles.ArticleCounter"/> order) of every article in
    /// the given counter buckets, by id, from the primary (they are what the counters are repaired from).
    /// </summary>
    public async Task<Dictionary<long, long[]>> ReadCounterBucketsAsync(IReadOnlyCollection<long> buckets, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<long, long[]>();
        if (buckets.Count == 0)
        {
            return counts;
        }

        await using var command = database.CreateCommand();
        var ranges = buckets.Select((bucket, i) =>
        {
            var (first, last) = Toutiao.Contracts.Articles.ArticleCounters.Range(bucket);
            AddParameter(command, $"@first{i}", first);
            AddParameter(command, $"@last{i}", last);
            return $"article_id BETWEEN @first{i} AND @last{i}";
        }).ToList();
        command.CommandText = "SELECT article_id, comment_count, like_count, collect_count, read_count FROM news_article_statistic WHERE "
            + string.Join(" OR ", ranges);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts[reader.GetInt64(0)] = [reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)];
        }

        return counts;
    }

    /// <summary>Pinned approved articles per channel, with their publish time (Unix ms) as the order.</summary>
    public async Task<ILookup<int, (long ArticleId, double Order)>> ReadPinnedAsync(CancellationToken cancellationToken)
    {
        var pinned = new List<(int Channel, long Id, double Order)>();
        await using var command = database.CreateCommand(
            $"SELECT channel_id, article_id, create_time FROM news_article_basic WHERE is_top = 1 AND status = {ApprovedStatus}");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var time = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(2), DateTimeKind.Utc));
            pinned.Add((reader.GetInt32(0), reader.GetInt64(1), time.ToUnixTimeMilliseconds()));
        }

        return pinned.ToLookup(p => p.Channel, p => (p.Id, p.Order));
    }

    private static string AddParameters(DbCommand command, string prefix, IEnumerable<long> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = $"@{prefix}{names.Count}";
            AddParameter(command, name, value);
            names.Add(name);
        }

        return string.Join(',', names);
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static ArticleCover ParseCover(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ArticleCover>(json, ToutiaoJson.Options) ?? new ArticleCover(0, []);
        }
        catch (JsonException)
        {
            // A broken cover must not hide the article.
            return new ArticleCover(0, []);
        }
    }

    private static string? NullableString(DbDataReader reader, int ordinal)
        => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
