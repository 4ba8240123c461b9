using System.Globalization;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Keywords;

/// <summary>
/// The demo data as a model can use it, on the fixture's real mariadbd: channels with topic
/// words, titles made of them, authors of 1 to 3 channels, every article's keywords; and an
/// upgrade from version 1 that keeps what readers did.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class DemoContentTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Every_channel_has_at_least_30_topic_words_and_titles_are_made_of_its_words()
    {
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM (SELECT channel_id FROM news_channel_topic GROUP BY channel_id HAVING COUNT(*) < 30) t"));
        Assert.Equal(ToutiaoDatabaseInitializer.ChannelCount, await ScalarAsync("SELECT COUNT(DISTINCT channel_id) FROM news_channel_topic"));

        // Every approved title holds a word of its own channel's vocabulary.
        Assert.Equal(0L, await ScalarAsync("""
            SELECT COUNT(*) FROM news_article_basic a
            WHERE a.status = 2 AND a.article_id <= 50000 AND NOT EXISTS (
              SELECT 1 FROM news_channel_topic t WHERE t.channel_id = a.channel_id AND a.title LIKE CONCAT('% ', t.word, ' %'))
            """));
        // Some titles also hold a neighbour channel's word: the cross-channel topics.
        Assert.True(await ScalarAsync("""
            SELECT COUNT(*) FROM news_article_basic a JOIN news_channel_topic t ON t.channel_id = a.channel_id % 25 + 1
            WHERE a.article_id <= 2000 AND a.title LIKE CONCAT('% ', t.word, ' 第%')
            """) > 100);
    }

    [Fact]
    public async Task Authors_write_about_one_to_three_channels_each()
    {
        var channelsPerAuthor = new List<long>();
        await using var command = fixture.MySql.CreateCommand(
            "SELECT COUNT(DISTINCT channel_id) FROM news_article_basic WHERE article_id <= 50500 GROUP BY user_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            channelsPerAuthor.Add(reader.GetInt64(0));
        }

        Assert.All(channelsPerAuthor, c => Assert.InRange(c, 1, 3));
        Assert.Contains(1L, channelsPerAuthor);
        Assert.Contains(3L, channelsPerAuthor);
    }

    [Fact]
    public async Task Every_article_has_one_to_five_keywords_weighing_one_and_its_title_words_are_among_them()
    {
        Assert.Equal(0L, await ScalarAsync("""
            SELECT COUNT(*) FROM news_article_basic a LEFT JOIN news_article_keyword k ON k.article_id = a.article_id
            WHERE a.article_id <= 50500 AND k.article_id IS NULL
            """));
        Assert.Equal(0L, await ScalarAsync("""
            SELECT COUNT(*) FROM (SELECT article_id FROM news_article_keyword GROUP BY article_id
                                  HAVING COUNT(*) > 5 OR ABS(SUM(weight) - 1) > 0.000001) t
            """));

        // Article 123's title: its two topic words (SmartCn may split a long one) are keywords.
        var title = (string)(await ScalarObjectAsync("SELECT title FROM news_article_basic WHERE article_id = 123"))!;
        var keywords = new List<string>();
        await using (var command = fixture.MySql.CreateCommand("SELECT keyword FROM news_article_keyword WHERE article_id = 123"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keywords.Add(reader.GetString(0));
            }
        }

        var topicWords = title.Split(' ')[1..3];
        Assert.All(topicWords, word => Assert.Contains(keywords, k => word.Contains(k, StringComparison.OrdinalIgnoreCase)));
        // The boilerplate every body carries is no keyword.
        Assert.Equal(0L, await ScalarAsync("SELECT COUNT(*) FROM news_article_keyword WHERE keyword IN ('redis', 'mysql', '推荐', '正文', '文章')"));
    }

    [Fact]
    public async Task Upgrading_a_version_1_database_rewrites_the_demo_text_and_keeps_what_readers_did()
    {
        var database = "toutiao_upgrade_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = new MySqlConnectionStringBuilder(fixture.Storage.MySqlConnectionString) { Database = database }.ConnectionString;
        try
        {
            Assert.True(await ToutiaoDatabaseInitializer.InitializeAsync(connectionString));
            Assert.False(await ToutiaoDatabaseInitializer.InitializeAsync(connectionString));

            // As version 1 left it: its title, no keywords, a reader's like and a renamed user.
            await using (var connection = new MySqlConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = new MySqlCommand("""
                    UPDATE news_article_basic SET title = '深入理解 html 第5篇' WHERE article_id = 5;
                    DELETE FROM news_article_keyword; DELETE FROM news_keyword_frequency;
                    UPDATE news_article_statistic SET like_count = 424242 WHERE article_id = 5;
                    UPDATE user_basic SET user_name = '改过名的读者' WHERE user_id = 7;
                    DELETE FROM toutiao_seed_history; INSERT INTO toutiao_seed_history (version) VALUES (1);
                    """, connection);
                await command.ExecuteNonQueryAsync();
            }

            Assert.True(await ToutiaoDatabaseInitializer.InitializeAsync(connectionString));

            await using var check = new MySqlConnection(connectionString);
            await check.OpenAsync();
            await using var query = new MySqlCommand("""
                SELECT (SELECT title FROM news_article_basic WHERE article_id = 5),
                       (SELECT like_count FROM news_article_statistic WHERE article_id = 5),
                       (SELECT user_name FROM user_basic WHERE user_id = 7),
                       (SELECT COUNT(DISTINCT article_id) FROM news_article_keyword),
                       (SELECT COUNT(*) FROM news_article_basic)
                """, check);
            await using var reader = await query.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.NotEqual("深入理解 html 第5篇", reader.GetString(0));
            Assert.EndsWith(" 第5篇", reader.GetString(0));
            Assert.Equal(424242, reader.GetInt64(1));
            Assert.Equal("改过名的读者", reader.GetString(2));
            Assert.Equal(reader.GetInt64(4), reader.GetInt64(3));
        }
        finally
        {
            await using var command = fixture.MySql.CreateCommand($"DROP DATABASE IF EXISTS `{database}`");
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await ScalarObjectAsync(sql), CultureInfo.InvariantCulture);

    private async Task<object?> ScalarObjectAsync(string sql)
    {
        await using var command = fixture.MySql.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
