using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Web.Keywords;

namespace Toutiao.Web.Newsroom;

/// <summary>
/// Publishes a demo article every <see cref="NewsroomOptions.PublishInterval"/>, composed like the
/// seeded ones: a channel's topic words (<c>news_channel_topic</c>), one of a neighbour channel's,
/// by an author who already writes in that channel, with its keywords, in one transaction. Reco
/// adds it to its <c>new</c> and keyword sets within seconds. With several Web replicas one
/// publishes per interval: a server lock and the newest article's age decide which.
/// </summary>
public sealed partial class DemoNewsroom(MySqlDataSource database, IOptions<NewsroomOptions> options, ILogger<DemoNewsroom> logger) : BackgroundService
{
    private const string LockName = "toutiao-newsroom";

    private static readonly string[] Openings = ["深入理解", "从零开始学", "一文读懂", "实战", "聊聊", "再谈", "图解"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.PublishInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var published = await PublishIfDueAsync(interval, stoppingToken);
                if (published is not null)
                {
                    LogPublished(published.ArticleId, published.ChannelId, published.Title);
                }
            }
            catch (Exception e) when (e is MySqlException or TimeoutException or InvalidOperationException)
            {
                // MySQL away: the next tick tries again; nothing else depends on the newsroom.
                LogFailed(e);
            }
        }
    }

    /// <summary>Publishes one article unless another replica published within half an interval. Returns it, or null.</summary>
    public async Task<PublishedArticle?> PublishIfDueAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var command = new MySqlCommand($"SELECT GET_LOCK('{LockName}', 0)", connection))
        {
            if (Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken)) != 1)
            {
                return null;
            }
        }

        try
        {
            await using (var command = new MySqlCommand("SELECT TIMESTAMPDIFF(SECOND, MAX(create_time), UTC_TIMESTAMP()) FROM news_article_basic WHERE status = 2", connection))
            {
                var age = await command.ExecuteScalarAsync(cancellationToken);
                if (age is not (null or DBNull) && Convert.ToDouble(age) < interval.TotalSeconds / 2)
                {
                    return null;
                }
            }

            return await PublishAsync(connection, cancellationToken);
        }
        finally
        {
            await using var release = new MySqlCommand($"SELECT RELEASE_LOCK('{LockName}')", connection);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    /// <summary>Publishes one article now.</summary>
    public async Task<PublishedArticle> PublishOnceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await PublishAsync(connection, cancellationToken);
    }

    private static async Task<PublishedArticle> PublishAsync(MySqlConnection connection, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var channels = await ChannelsAsync(connection, transaction, cancellationToken);
        if (channels.Count == 0)
        {
            throw new InvalidOperationException("No visible channel has topic words (news_channel_topic): nothing to write about.");
        }

        var channel = channels[Random.Shared.Next(channels.Count)];
        var neighbour = channels[(channels.IndexOf(channel) + 1) % channels.Count];
        var author = await AuthorAsync(connection, transaction, channel.Id, cancellationToken);
        var words = channel.Words.OrderBy(_ => Random.Shared.Next()).Take(4).ToList();
        var crossing = neighbour.Words[Random.Shared.Next(neighbour.Words.Count)];

        var opening = Random.Shared.Next(Openings.Length + 1) is var o && o < Openings.Length ? Openings[o] : channel.Name;
        var title = $"{opening} {words[0]} {words[1]}";
        // Shaped as the seeded bodies are (seed.sql): the words between punctuation.
        var content = $"<p>本文要点：{words[0]}、{words[1]}。{channel.Name} 方向的读者常问这些问题。</p>"
            + $"<p>老话题：{words[2]}、{words[3]}，我们结合实例再看一遍。</p>"
            + $"<p>顺带一提：{crossing}。</p>";

        long articleId;
        await using (var command = new MySqlCommand("""
            INSERT INTO news_article_basic (user_id, channel_id, title, cover, create_time, status, review_time, allow_comment)
            VALUES (@author, @channel, @title, JSON_OBJECT('type', 0, 'images', JSON_ARRAY()), UTC_TIMESTAMP(), 2, UTC_TIMESTAMP(), 1);
            SELECT LAST_INSERT_ID();
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("@author", author);
            command.Parameters.AddWithValue("@channel", channel.Id);
            command.Parameters.AddWithValue("@title", title);
            articleId = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken));
        }

        await using (var command = new MySqlCommand("""
            INSERT INTO news_article_content (article_id, content) VALUES (@id, @content);
            INSERT INTO news_article_statistic (article_id) VALUES (@id);
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("@id", articleId);
            command.Parameters.AddWithValue("@content", content);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var keywords = await ArticleKeywordStore.AddAsync(connection, transaction, articleId, title, content, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PublishedArticle(articleId, channel.Id, author, title, keywords);
    }

    private sealed record TopicChannel(int Id, string Name, List<string> Words);

    private static async Task<List<TopicChannel>> ChannelsAsync(MySqlConnection connection, MySqlTransaction transaction, CancellationToken cancellationToken)
    {
        var channels = new Dictionary<int, TopicChannel>();
        await using var command = new MySqlCommand("""
            SELECT c.channel_id, c.channel_name, t.word
            FROM news_channel c JOIN news_channel_topic t ON t.channel_id = c.channel_id
            WHERE c.is_visible = 1 ORDER BY c.channel_id, t.k
            """, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetInt32(0);
            if (!channels.TryGetValue(id, out var channel))
            {
                channels[id] = channel = new TopicChannel(id, reader.GetString(1), []);
            }

            channel.Words.Add(reader.GetString(2));
        }

        // Four words of its own make a title and a body.
        return channels.Values.Where(c => c.Words.Count >= 4).ToList();
    }

    /// <summary>One of the authors of the channel's newest articles (they write about it), or user 1.</summary>
    private static async Task<long> AuthorAsync(MySqlConnection connection, MySqlTransaction transaction, int channel, CancellationToken cancellationToken)
    {
        var authors = new List<long>();
        await using var command = new MySqlCommand(
            "SELECT user_id FROM news_article_basic WHERE channel_id = @channel AND status = 2 ORDER BY create_time DESC LIMIT 100", connection, transaction);
        command.Parameters.AddWithValue("@channel", channel);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            authors.Add(reader.GetInt64(0));
        }

        return authors.Count == 0 ? 1 : authors[Random.Shared.Next(authors.Count)];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The newsroom published article {ArticleId} in channel {ChannelId}: {Title}")]
    private partial void LogPublished(long articleId, int channelId, string title);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The newsroom could not publish; it tries again at the next interval")]
    private partial void LogFailed(Exception exception);
}
