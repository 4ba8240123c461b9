using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Database;

/// <summary>
/// <c>--MySql:ReadReplicas=1</c>: the replica follows the primary, Web reads article lists, details
/// and cache misses from it, a reader's own like is read from the primary, and with the replica
/// stopped the primary answers until the replica is back. Which server answered is told by rows
/// changed on the replica only.
/// </summary>
[Collection(ReadReplicaCollection.Name)]
public sealed class ReadReplicaTests(ReadReplicaFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Web_reads_the_replica_with_an_account_that_may_read_and_watch_replication_only()
    {
        await using var reader = new MySqlDataSource(fixture.ReplicaReaderConnectionString);
        Assert.Equal("toutiao_reader@127.0.0.1", await DatabaseAccountTests.CurrentUserAsync(reader));
        Assert.True(await DatabaseAccountTests.ScalarAsync<long>(reader, "SELECT COUNT(*) FROM news_channel") > 0);
        await using (var status = reader.CreateCommand("SHOW SLAVE STATUS"))
        await using (var rows = await status.ExecuteReaderAsync())
        {
            Assert.True(await rows.ReadAsync(), "SHOW SLAVE STATUS gave no row to the reader account");
        }

        // Its grants, read as root (a write would meet the server's read_only before the privileges).
        Assert.Equal(["GRANT SELECT ON `toutiao`.* TO <account>", "GRANT SLAVE MONITOR ON *.* TO <account>"],
            await DatabaseAccountTests.GrantsAsync(fixture.Replica, "toutiao_reader", "127.0.0.1"));
        // The primary has no such account: it is the replica's own (the init file runs without the binary log).
        await using var primary = fixture.MySql.CreateCommand("SELECT COUNT(*) FROM mysql.user WHERE User = 'toutiao_reader'");
        Assert.Equal(0L, Convert.ToInt64(await primary.ExecuteScalarAsync()));
    }

    [Fact]
    public async Task The_replica_replicates_reports_its_lag_in_its_health_and_receives_what_the_primary_writes()
    {
        Assert.True(fixture.Storage.Notifications.TryGetCurrentState(ReadReplicaFixture.ReplicaServer, out var replica));
        var health = Assert.Single(replica.Snapshot.HealthReports);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Matches(@"^Replicating; \d+ s behind the primary\.$", health.Description);

        var (articleId, _, _) = await ApprovedArticleAsync(10);
        var content = $"written on the primary {Guid.NewGuid():N}";
        await using (var write = fixture.MySql.CreateCommand("UPDATE news_article_content SET content = @c WHERE article_id = @a"))
        {
            write.Parameters.Add(new MySqlParameter("@c", content));
            write.Parameters.Add(new MySqlParameter("@a", articleId));
            Assert.Equal(1, await write.ExecuteNonQueryAsync());
        }

        await fixture.CaughtUpAsync();
        await using var read = fixture.Replica.CreateCommand("SELECT content FROM news_article_content WHERE article_id = @a");
        read.Parameters.Add(new MySqlParameter("@a", articleId));
        Assert.Equal(content, await read.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Article_details_lists_and_cache_misses_are_read_from_the_replica()
    {
        await fixture.CaughtUpAsync();
        await fixture.ReadsGoToReplicaAsync();

        // A detail's content: changed on the replica only.
        var (articleId, channelId, authorId) = await ApprovedArticleAsync(20);
        var original = await ContentAsync(articleId);
        const string replicaContent = "<p>as the replica has it</p>";
        await fixture.OnReplicaOnlyAsync("UPDATE news_article_content SET content = @c WHERE article_id = @a", ("@c", replicaContent), ("@a", articleId));
        // An article on the replica only, the newest of its channel: the list counts it and shows it
        // first, and its card (a cache miss) can only have been loaded from the replica.
        var replicaOnlyId = 900_000_000L + Random.Shared.Next(1_000_000);
        await fixture.OnReplicaOnlyAsync("""
            INSERT INTO news_article_basic (article_id, user_id, channel_id, title, cover, status, create_time)
            VALUES (@id, @user, @channel, 'Only on the replica', '{"type":0,"images":[]}', 2, NOW() + INTERVAL 1 DAY)
            """, ("@id", replicaOnlyId), ("@user", authorId), ("@channel", channelId));
        try
        {
            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}");
            Assert.Equal(HttpStatusCode.OK, detail.Status);
            Assert.Equal(replicaContent, detail.Data.GetProperty("content").GetString());

            var onPrimary = await ApprovedCountAsync(channelId);
            var list = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles?channel_id={channelId}&page=1&per_page=3");
            Assert.Equal(HttpStatusCode.OK, list.Status);
            Assert.Equal(onPrimary + 1, list.Data.GetProperty("total_count").GetInt64());
            var first = list.Data.GetProperty("results")[0];
            Assert.Equal(replicaOnlyId, first.GetProperty("art_id").GetInt64());
            Assert.Equal("Only on the replica", first.GetProperty("title").GetString());
        }
        finally
        {
            await fixture.OnReplicaOnlyAsync("DELETE FROM news_article_basic WHERE article_id = @id", ("@id", replicaOnlyId));
            await fixture.OnReplicaOnlyAsync("UPDATE news_article_content SET content = @c WHERE article_id = @a", ("@c", original), ("@a", articleId));
        }
    }

    [Fact]
    public async Task An_article_the_replica_does_not_have_yet_is_read_from_the_primary_and_not_cached_as_not_found()
    {
        await fixture.CaughtUpAsync();
        await fixture.ReadsGoToReplicaAsync();
        var (_, channelId, authorId) = await ApprovedArticleAsync(50);
        // Written on the primary outside its binary log: the replica never gets it, as a lagging
        // replica (one still applying the demo data at a start) does not have it yet.
        var primaryOnlyId = 910_000_000L + Random.Shared.Next(1_000_000);
        await OnPrimaryOnlyAsync("""
            INSERT INTO news_article_basic (article_id, user_id, channel_id, title, cover, status, create_time)
            VALUES (@id, @user, @channel, 'Only on the primary', '{"type":0,"images":[]}', 2, NOW());
            INSERT INTO news_article_content (article_id, content) VALUES (@id, @content)
            """, ("@id", primaryOnlyId), ("@content", "<p>the primary's copy</p>"), ("@user", authorId), ("@channel", channelId));
        try
        {
            Assert.True(fixture.ReadReplica.InUse);
            var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{primaryOnlyId}");
            Assert.Equal(HttpStatusCode.OK, detail.Status);
            Assert.Equal("Only on the primary", detail.Data.GetProperty("title").GetString());
            Assert.Equal("<p>the primary's copy</p>", detail.Data.GetProperty("content").GetString());
        }
        finally
        {
            await OnPrimaryOnlyAsync("DELETE FROM news_article_content WHERE article_id = @id; DELETE FROM news_article_basic WHERE article_id = @id", ("@id", primaryOnlyId));
        }
    }

    private async Task OnPrimaryOnlyAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = fixture.MySql.CreateCommand($"SET SESSION sql_log_bin = 0; {sql}; SET SESSION sql_log_bin = 1;");
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new MySqlParameter(name, value));
        }

        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task A_reader_sees_their_own_like_at_once_while_the_replica_is_an_hour_behind()
    {
        var (articleId, _, _) = await ApprovedArticleAsync(30);
        var userId = Random.Shared.NextInt64(100_000, 1_000_000);
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        var before = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}", reader);
        Assert.Equal(-1, before.Data.GetProperty("attitude").GetInt32());
        var likes = before.Data.GetProperty("like_count").GetInt64();

        // The replica applies nothing younger than an hour (and stays in use: MaxLag is an hour here).
        await fixture.OnReplicaOnlyAsync("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 3600; START SLAVE;");
        try
        {
            await fixture.ReplicatingAsync();
            await fixture.ReadsGoToReplicaAsync();
            var liked = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = articleId });
            Assert.Equal(HttpStatusCode.Created, liked.Status);

            var after = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}", reader);
            Assert.Equal(1, after.Data.GetProperty("attitude").GetInt32());
            Assert.Equal(likes + 1, after.Data.GetProperty("like_count").GetInt64());
            // The replica has not seen it: the detail's reader state came from the primary, its count from Redis.
            await using var onReplica = fixture.Replica.CreateCommand("SELECT COUNT(*) FROM news_attitude WHERE user_id = @u AND article_id = @a");
            onReplica.Parameters.Add(new MySqlParameter("@u", userId));
            onReplica.Parameters.Add(new MySqlParameter("@a", articleId));
            Assert.Equal(0L, Convert.ToInt64(await onReplica.ExecuteScalarAsync()));
            Assert.True(fixture.ReadReplica.InUse);
        }
        finally
        {
            await fixture.OnReplicaOnlyAsync("STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE;");
            await fixture.CaughtUpAsync();
            await fixture.WebClient.SendAsync(HttpMethod.Delete, $"/v1_0/article/likings/{articleId}", reader);
        }
    }

    [Fact]
    public async Task With_the_replica_stopped_reads_answer_from_the_primary_at_once_and_go_back_to_the_replica_when_it_returns()
    {
        await fixture.CaughtUpAsync();
        await fixture.ReadsGoToReplicaAsync();
        var (articleId, channelId, _) = await ApprovedArticleAsync(40);
        var original = await ContentAsync(articleId);
        const string replicaContent = "<p>the replica's copy</p>";
        await fixture.OnReplicaOnlyAsync("UPDATE news_article_content SET content = @c WHERE article_id = @a", ("@c", replicaContent), ("@a", articleId));
        var stopped = false;
        try
        {
            Assert.Equal(replicaContent, await ShownContentAsync(articleId));

            await fixture.Storage.StopAsync(ReadReplicaFixture.ReplicaServer);
            stopped = true;
            // Until a probe or a failed read takes the replica out of use, a read pays its connect
            // timeout (1 s: DCP's proxy accepts and never answers) and then asks the primary.
            for (var i = 0; i < 4; i++)
            {
                var stopwatch = Stopwatch.StartNew();
                Assert.Equal(original, await ShownContentAsync(articleId));
                var limit = TimeSpan.FromMilliseconds(i == 0 ? 2000 : 300);
                Assert.True(stopwatch.Elapsed < limit, $"read {i} with the replica down took {stopwatch.Elapsed}");
                output.WriteLine($"Replica down, read {i}: {stopwatch.ElapsedMilliseconds} ms");
            }

            Assert.False(fixture.ReadReplica.InUse);
            var list = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles?channel_id={channelId}&page=1&per_page=5");
            Assert.Equal(HttpStatusCode.OK, list.Status);
            Assert.Equal(5, list.Data.GetProperty("results").GetArrayLength());

            // Started again, the AppHost points it at the primary; Web takes it back at its next probe.
            await fixture.Storage.StartAsync(ReadReplicaFixture.ReplicaServer);
            stopped = false;
            await fixture.ReadsGoToReplicaAsync();
            Assert.Equal(replicaContent, await ShownContentAsync(articleId));
        }
        finally
        {
            if (stopped)
            {
                await fixture.Storage.StartAsync(ReadReplicaFixture.ReplicaServer);
            }

            await fixture.OnReplicaOnlyAsync("UPDATE news_article_content SET content = @c WHERE article_id = @a", ("@c", original), ("@a", articleId));
        }
    }

    private async Task<string> ShownContentAsync(long articleId)
    {
        var detail = await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{articleId}");
        Assert.Equal(HttpStatusCode.OK, detail.Status);
        return detail.Data.GetProperty("content").GetString()!;
    }

    /// <summary>An approved article of the demo data (each test its own), with its channel and author.</summary>
    private async Task<(long ArticleId, int ChannelId, long AuthorId)> ApprovedArticleAsync(int index)
    {
        await using var command = fixture.MySql.CreateCommand(
            "SELECT article_id, channel_id, user_id FROM news_article_basic WHERE status = 2 AND channel_id > 0 ORDER BY article_id LIMIT 1 OFFSET @n");
        command.Parameters.Add(new MySqlParameter("@n", index));
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2));
    }

    private async Task<string> ContentAsync(long articleId)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT content FROM news_article_content WHERE article_id = @a");
        command.Parameters.Add(new MySqlParameter("@a", articleId));
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> ApprovedCountAsync(int channelId)
    {
        await using var command = fixture.MySql.CreateCommand("SELECT COUNT(*) FROM news_article_basic WHERE status = 2 AND channel_id = @c");
        command.Parameters.Add(new MySqlParameter("@c", channelId));
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }
}
