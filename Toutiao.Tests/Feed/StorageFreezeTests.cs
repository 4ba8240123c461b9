using System.Diagnostics;
using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Feed;

/// <summary>
/// A server frozen with SIGSTOP, as a stuck machine is: it accepts connections and answers nothing.
/// The feed answers within its deadline from what the other servers and memory hold, the channel
/// list stays up, a comment is either kept, counted and 201 or refused and not kept, and a report
/// is logged or refused within the deadline.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class StorageFreezeTests(ToutiaoFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>The feed's default deadline, and what a client may see beyond it (the HTTP hop, the answer's writing).</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1.5), Slack = TimeSpan.FromMilliseconds(300);

    public static TheoryData<string, long> Servers => new() { { "mysql", 941 }, { "cache", 942 }, { "redis", 943 } };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task With_a_server_frozen_the_feed_and_the_channels_answer_within_the_deadline_and_a_comment_is_kept_or_refused(string server, long userId)
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(userId, refresh: false));
        const int channel = 4;
        var t1 = Api.Now() - 10_000;
        await fixture.WebClient.FeedAsync(channel, t1, reader);
        var warm = await fixture.WebClient.FeedAsync(channel, t1 + 1000, reader);
        Assert.Null(warm.Header("X-Feed-Degraded"));
        // The history page once more: its articles are in the cache and in Web's memory.
        Assert.Equal(warm.ArticleIds(), (await fixture.WebClient.FeedAsync(channel, t1 + 1000, reader)).ArticleIds());
        // What many readers read is in the cache: here the channel's three hottest and three newest.
        foreach (var key in new[] { Toutiao.Contracts.Recall.RecallKeys.Hot(channel), Toutiao.Contracts.Recall.RecallKeys.New(channel) })
        {
            foreach (var popular in await fixture.Redis.GetDatabase().SortedSetRangeByRankAsync(key, 0, 2, StackExchange.Redis.Order.Descending))
            {
                Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{(long)popular}")).Status);
            }
        }

        var article = warm.ArticleIds()[0];
        var click = warm.Data.GetProperty("results")[1].GetProperty("trace").GetProperty("click").GetString()!;
        var commentsBefore = await CommentCountAsync(article);
        var content = $"冻结 {server} {Guid.NewGuid():N}";

        var pid = server == "mysql" ? LocalProcesses.MariaDbOf(fixture.Storage.Directory).Pid : LocalProcesses.RedisOf(fixture.Storage.Directory, server).Pid;
        await LocalProcesses.SignalAsync(pid, "STOP");
        ApiResponse comment;
        try
        {
            var traces = new[] { TestTrace.New(), TestTrace.New(), TestTrace.New(), TestTrace.New(), TestTrace.New(), TestTrace.New() };
            var (history, historyTook) = await TimedAsync(() => fixture.WebClient.FeedAsync(channel, t1 + 1000, reader, trace: traces[0]));
            var (fresh, freshTook) = await TimedAsync(() => fixture.WebClient.FeedAsync(channel, Api.Now(), reader, trace: traces[1]));
            var (channels, channelsTook) = await TimedAsync(() => fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/channels", trace: traces[2]));
            (comment, var commentTook) = await TimedAsync(() => fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content }, traces[3]));
            var (detail, detailTook) = await TimedAsync(() => fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}", trace: traces[5]));
            var (report, reportTook) = await TimedAsync(() => fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/behaviors", reader, new[] { new { param = click } }, traces[4]));
            foreach (var trace in traces)
            {
                foreach (var span in trace.SpansIn(fixture.Spans).Where(s => s.Duration > TimeSpan.FromMilliseconds(200)))
                {
                    output.WriteLine($"  {span.Source.Name} {span.DisplayName} {span.Duration.TotalMilliseconds:0} ms {span.Status} {span.StatusDescription}");
                }
            }
            output.WriteLine($"messages: {(history.Status == HttpStatusCode.OK ? "" : history.Message)} | {(fresh.Status == HttpStatusCode.OK ? "" : fresh.Message)} | {(comment.Status == HttpStatusCode.Created ? "" : comment.Message)}");
            output.WriteLine($"{server} frozen: history {history.Status} {history.Header("X-Feed-Degraded")} in {historyTook.TotalMilliseconds:0} ms, " +
                $"fresh {fresh.Status} {fresh.Header("X-Feed-Degraded")} in {freshTook.TotalMilliseconds:0} ms, channels {channels.Status} in {channelsTook.TotalMilliseconds:0} ms, " +
                $"comment {comment.Status} in {commentTook.TotalMilliseconds:0} ms, report {report.Status} in {reportTook.TotalMilliseconds:0} ms, detail {detail.Status} in {detailTook.TotalMilliseconds:0} ms");

            Assert.Equal(HttpStatusCode.OK, history.Status);
            // The page this Web served a moment ago is in its memory (RecordedPages), even with the
            // reader's history in the frozen server; its cards in the cache and in memory.
            Assert.Equal(warm.ArticleIds(), history.ArticleIds());
            Assert.Equal(warm.PreTimestamp(), history.PreTimestamp());

            Assert.True(historyTook < Deadline + Slack, $"the history page took {historyTook}");
            Assert.Equal(HttpStatusCode.OK, fresh.Status);
            // With MySQL frozen, the articles Redis holds: perhaps fewer than ten, never none.
            Assert.InRange(fresh.ArticleIds().Count, server == "mysql" ? 1 : 10, 10);
            Assert.True(freshTook < Deadline + Slack, $"the fresh page took {freshTook}");
            Assert.Equal(HttpStatusCode.OK, channels.Status);
            Assert.True(channelsTook < Deadline + Slack, $"the channel list took {channelsTook}");
            Assert.True(commentTook < Deadline + Slack, $"the comment took {commentTook}");
            // A report is in the state server's log or it is a 503 the app sends again; either way within the deadline.
            Assert.True(report.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"{report.Status}: {report.Body}");
            Assert.True(server == "redis" || report.Status == HttpStatusCode.Created, $"with {server} frozen the report was {report.Status}");
            Assert.True(reportTook < Deadline + Slack, $"the report took {reportTook}");
            // A detail's content is only in MySQL: with MySQL frozen a fast 503 with a message, else whole.
            Assert.Equal(server == "mysql" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, detail.Status);
            Assert.True(detailTook < Deadline + Slack, $"the detail took {detailTook}");
        }
        finally
        {
            // Thawed even when an assertion failed: the other tests share this server.
            await LocalProcesses.SignalAsync(pid, "CONT");
        }

        // Kept, counted and 201, or refused and not kept: the client's answer is the truth either way.
        var kept = await CommentsWithAsync(content);
        if (comment.Status == HttpStatusCode.Created)
        {
            Assert.Equal(1, kept);
            Assert.Equal(commentsBefore + 1, await WhenCountedAsync(article, commentsBefore + 1));
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, comment.Status);
            Assert.False(string.IsNullOrEmpty(comment.Message));
            Assert.Equal(0, kept);
        }

        // Back to whole pages by itself.
        var watch = Stopwatch.StartNew();
        ApiResponse after;
        do
        {
            after = await fixture.WebClient.FeedAsync(channel, Api.Now(), reader);
        }
        while ((after.Status != HttpStatusCode.OK || after.Header("X-Feed-Degraded") is not null) && watch.Elapsed < TimeSpan.FromSeconds(15));
        output.WriteLine($"{server} thawed: whole page after {watch.ElapsedMilliseconds} ms");
        Assert.Null(after.Header("X-Feed-Degraded"));
    }

    [Fact]
    public async Task A_signed_in_readers_detail_whose_state_query_hangs_is_a_503_within_the_deadline()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(945, refresh: false));
        var article = (await fixture.WebClient.FeedAsync(5, Api.Now() - 20_000, reader)).ArticleIds()[0];
        Assert.Equal(HttpStatusCode.OK, (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}", reader)).Status);

        // Only the reader's state waits (the card and the content are read first, from other tables):
        // the wait of the soak's 10 s detail, which started before MySQL froze and ended after it.
        await using (var locker = await fixture.MySql.OpenConnectionAsync())
        {
            await using (var lockTable = new MySqlConnector.MySqlCommand("LOCK TABLES news_attitude WRITE", locker))
            {
                await lockTable.ExecuteNonQueryAsync();
            }

            try
            {
                var (detail, took) = await TimedAsync(() => fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}", reader));
                output.WriteLine($"detail {detail.Status} in {took.TotalMilliseconds:0} ms: {detail.Message}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, detail.Status);
                Assert.True(took < Deadline + Slack, $"the detail took {took.TotalMilliseconds:0} ms");
            }
            finally
            {
                // Not left to the pool's reset of the connection, which may come later.
                await using var unlock = new MySqlConnector.MySqlCommand("UNLOCK TABLES", locker);
                await unlock.ExecuteNonQueryAsync();
            }
        }

        // The guard lets MySQL's reads through again.
        var watch = Stopwatch.StartNew();
        while ((await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}", reader)).Status != HttpStatusCode.OK)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), "the detail did not answer 200 again within 30 s");
            await Task.Delay(200);
        }
    }

    private static async Task<(ApiResponse Response, TimeSpan Took)> TimedAsync(Func<Task<ApiResponse>> request)
    {
        var watch = Stopwatch.StartNew();
        var response = await request();
        return (response, watch.Elapsed);
    }

    private async Task<long> CommentsWithAsync(string content)
    {
        await using var command = new MySqlConnector.MySqlCommand("SELECT COUNT(*) FROM news_comment WHERE content = @content");
        await using var connection = await fixture.MySql.OpenConnectionAsync();
        command.Connection = connection;
        command.Parameters.AddWithValue("@content", content);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<long> CommentCountAsync(long article)
        => (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Data.GetProperty("comm_count").GetInt64();

    private async Task<long> WhenCountedAsync(long article, long expected)
    {
        var watch = Stopwatch.StartNew();
        long count;
        while ((count = await CommentCountAsync(article)) != expected && watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(200);
        }

        return count;
    }
}
