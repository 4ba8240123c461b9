extern alias reco;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Tracking;
using Toutiao.Tests.Infrastructure;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using BehaviorEffects = reco::Toutiao.Reco.Behaviors.BehaviorEffects;
using ChannelCandidates = reco::Toutiao.Reco.Recall.ChannelCandidates;
using RecallCandidateStore = reco::Toutiao.Reco.Recall.RecallCandidateStore;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.Behaviors;

/// <summary>
/// The app reports what a reader did with the tracking strings of a page (<c>POST /v1_0/behaviors</c>);
/// Web logs them to a Redis stream and Reco's consumer applies each once: the read count in MySQL
/// and Redis, and the article is not recommended to that reader again.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class BehaviorTests(ToutiaoFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_click_and_a_read_are_accepted_then_applied_once_and_the_article_is_not_offered_again()
    {
        var (reader, article) = await FreshArticleAsync();
        var before = await fixture.ReadCountAsync(article.Id);
        using var applied = Applied(2);

        var trace = TestTrace.New();
        var response = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/behaviors", reader,
            new object[] { new { param = article.Click }, new { param = article.Read, read_time = 42 } }, trace);

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal(2, response.Data.GetProperty("accepted").GetInt32());
        await applied.Reached.WaitAsync(Patience);
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article.Id));
        // Marked as served in channel 0, which every channel's fresh page skips.
        var readerId = "anony:" + reader["Anony ".Length..];
        Assert.NotNull(await fixture.Cache.GetDatabase().SortedSetScoreAsync(UserFeedHistory.ServedKey(readerId, 0), article.Id));

        // The stream hop is in the trace: Web's producer span, and Reco's consumer span linked to it.
        var append = await SpanAsync(s => s.DisplayName == "behavior append" && s.TraceId == trace.TraceId);
        Assert.Equal(ActivityKind.Producer, append.Kind);
        Assert.Equal(BehaviorStream.Events, append.GetTagItem("messaging.destination.name"));
        var apply = await SpanAsync(s => s.DisplayName == "behavior apply" && s.Links.Any(l => l.Context.SpanId == append.SpanId));
        Assert.Equal(ActivityKind.Consumer, apply.Kind);
        Assert.Equal(append.TraceId, Assert.Single(apply.Links, l => l.Context.SpanId == append.SpanId).Context.TraceId);
        Assert.NotEqual(trace.TraceId, apply.TraceId);
    }

    [Fact]
    public async Task An_entry_delivered_twice_is_applied_once()
    {
        var (_, article) = await FreshArticleAsync();
        var before = await fixture.ReadCountAsync(article.Id);
        var entry = new StreamEntry($"{Api.Now()}-{Random.Shared.Next()}", Fields("read", "anony:twice", article.Id));
        var effects = fixture.Reco.Services.GetRequiredService<BehaviorEffects>();

        Assert.Equal(1, await effects.ApplyAsync([entry], CancellationToken.None));
        Assert.Equal(0, await effects.ApplyAsync([entry], CancellationToken.None));
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article.Id));
    }

    [Fact]
    public async Task Applied_entry_ids_are_forgotten_after_the_retention()
    {
        var (old, recent) = ($"0-{Random.Shared.Next()}", $"1-{Random.Shared.Next()}");
        await using (var insert = fixture.MySql.CreateCommand(
            "INSERT INTO news_behavior_applied (event_id, applied_at) VALUES (@old, NOW() - INTERVAL 8 DAY), (@recent, NOW() - INTERVAL 6 DAY)"))
        {
            insert.Parameters.Add(new MySqlConnector.MySqlParameter("@old", old));
            insert.Parameters.Add(new MySqlConnector.MySqlParameter("@recent", recent));
            await insert.ExecuteNonQueryAsync();
        }

        await fixture.Reco.Services.GetRequiredService<BehaviorEffects>().ForgetAppliedAsync(TimeSpan.FromDays(7), CancellationToken.None);

        await using var remaining = fixture.MySql.CreateCommand("SELECT event_id FROM news_behavior_applied WHERE event_id IN (@old, @recent)");
        remaining.Parameters.Add(new MySqlConnector.MySqlParameter("@old", old));
        remaining.Parameters.Add(new MySqlConnector.MySqlParameter("@recent", recent));
        Assert.Equal(recent, await remaining.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_entry_left_unacknowledged_by_a_dead_consumer_is_taken_over_and_applied()
    {
        var (_, article) = await FreshArticleAsync();
        var before = await fixture.ReadCountAsync(article.Id);
        using var reclaimed = new MeasurementSignal("Toutiao.Reco", "toutiao.behaviors", new("outcome", "reclaimed"), 1, fixture.Reco.Services);
        using var applied = Applied(1);

        // Appended and delivered to a consumer that then dies: it never acknowledges.
        var db = fixture.Redis.GetDatabase();
        var deliver = db.CreateTransaction();
        var added = deliver.StreamAddAsync(BehaviorStream.Events, Fields("read", "anony:dead-consumer", article.Id));
        var delivered = deliver.StreamReadGroupAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, "dead-consumer", StreamPosition.NewMessages, 100);
        Assert.True(await deliver.ExecuteAsync());
        Assert.Contains(await delivered, e => e.Id == added.Result);

        await reclaimed.Reached.WaitAsync(Patience);
        await applied.Reached.WaitAsync(Patience);
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article.Id));
        var pending = await db.StreamPendingMessagesAsync(BehaviorStream.Events, BehaviorStream.ConsumerGroup, 100, "dead-consumer");
        Assert.DoesNotContain(pending, p => p.MessageId == added.Result);
    }

    [Fact]
    public async Task An_article_read_by_enough_readers_leads_its_channels_hot_list_and_rises_in_every_new_readers_ranking()
    {
        const int channel = 7;
        var recall = fixture.Reco.Services.GetRequiredService<RecallCandidateStore>();
        var before = await recall.GetAsync(channel, CancellationToken.None);
        var hot = await fixture.Redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(RecallKeys.Hot(channel), 0, 15, Order.Descending);
        // Sixth hottest: it takes (top score - its score) reads to lead.
        var rising = hot[5];
        var id = (long)rising.Element;
        var rankedBefore = Array.IndexOf(before.RankedFor(AlgorithmBucket.Algo1), id);
        var reads = (int)Math.Ceiling((hot[0].Score - rising.Score) / BehaviorEffects.HotWeight("read")) + 1;
        using var applied = Applied(reads);

        var db = fixture.Redis.GetDatabase();
        var append = db.CreateBatch();
        var appends = Enumerable.Range(0, reads)
            .Select(i => append.StreamAddAsync(BehaviorStream.Events, Fields("read", $"anony:riser-{Guid.NewGuid():N}", id)))
            .ToList();
        var wake = append.PublishAsync(RedisChannel.Literal(BehaviorStream.AppendedChannel), reads);
        append.Execute();
        await Task.WhenAll(appends);
        await wake;
        await applied.Reached.WaitAsync(Patience);

        Assert.Equal(id, (long)(await db.SortedSetRangeByRankAsync(RecallKeys.Hot(channel), 0, 0, Order.Descending))[0]);
        // Reco's candidates in memory reload within the check interval: it leads the hot list that
        // popular pages are made of, and ranks higher for every new reader.
        var deadline = DateTime.UtcNow + Patience;
        ChannelCandidates after;
        while ((after = await recall.GetAsync(channel, CancellationToken.None)).Hottest[0] != id)
        {
            Assert.True(DateTime.UtcNow < deadline, "The candidates in memory never showed the raised article on top.");
            await Task.Delay(50);
        }

        var rankedAfter = Array.IndexOf(after.RankedFor(AlgorithmBucket.Algo1), id);
        Assert.True(rankedAfter < rankedBefore || rankedBefore == 0, $"ranked {rankedBefore} before and {rankedAfter} after");
    }

    [Fact]
    public async Task Forged_foreign_expired_and_malformed_reports_are_refused_with_a_message()
    {
        var (reader, article) = await FreshArticleAsync();
        var other = Api.NewAnonymousReader();
        var signature = new TrackingSignature(Options.Create(new TrackingOptions { SigningKey = ToutiaoFixture.TrackingKey }));
        var twoDaysAgo = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds();
        var expired = signature.Sign("read", "\"" + $$"""userId":"anony:{{reader["Anony ".Length..]}}","articleId":"{{article.Id}}","algorithmCombine":"Algo-1","issuedAt":{{twoDaysAgo}}""");
        var exposureAsClick = signature.Sign("click", "\"" + $$"""userId":"anony:{{reader["Anony ".Length..]}}","articleId":"[{{article.Id}}, 1]","algorithmCombine":"Algo-1","issuedAt":{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}""");
        var unsigned = $$"""{"action":"read","userId":"anony:{{reader["Anony ".Length..]}}","articleId":"{{article.Id}}","algorithmCombine":"Algo-1"}""";

        await Refused(HttpStatusCode.Forbidden, "not a tracking string this server issued", reader, new { param = article.Read.Replace($"\"articleId\":\"{article.Id}\"", "\"articleId\":\"1\"") });
        await Refused(HttpStatusCode.Forbidden, "not a tracking string this server issued", reader, new { param = unsigned });
        await Refused(HttpStatusCode.Forbidden, "issued to another reader", other, new { param = article.Read });
        await Refused(HttpStatusCode.Forbidden, "issued to another reader", null, new { param = article.Read });
        await Refused(HttpStatusCode.Forbidden, "expired", reader, new { param = expired });
        await Refused(HttpStatusCode.BadRequest, "names no single article", reader, new { param = exposureAsClick });
        await Refused(HttpStatusCode.BadRequest, "param must be a tracking string", reader, new { param = "clicked!" });
        await Refused(HttpStatusCode.BadRequest, "param must be a tracking string", reader, "[{\"param\":\"\\ud800\"}]", raw: true);
        // The action is not signed: one that is not a plain word is not what was issued.
        await Refused(HttpStatusCode.Forbidden, "not a tracking string this server issued", reader,
            new { param = "{\"action\":\"x\" ,\"action\":1 ,\"p\":\"q" + article.Click["{\"action\":\"click".Length..] });
        await Refused(HttpStatusCode.BadRequest, "The body must be", reader, new { read_time = 3 });
        await Refused(HttpStatusCode.BadRequest, "1 to 50 items", reader, Array.Empty<object>());
        await Refused(HttpStatusCode.BadRequest, "[1] read_time must be whole seconds", reader,
            new object[] { new { param = article.Click }, new { param = article.Read, read_time = -1 } });
        await Refused(HttpStatusCode.BadRequest, "The request is malformed", reader, "not json at all", raw: true);
    }

    [Fact]
    public async Task A_fresh_page_logs_its_exposure()
    {
        var reader = Api.NewAnonymousReader();
        var page = await fixture.WebClient.FeedAsync(2, Api.Now(), reader);
        var readerId = "anony:" + reader["Anony ".Length..];

        // Sent without waiting for Redis' answer: look until it is there.
        var deadline = DateTime.UtcNow + Patience;
        StreamEntry exposure;
        while ((exposure = (await fixture.Redis.GetDatabase().StreamRangeAsync(BehaviorStream.Exposures, "-", "+", 200, Order.Descending))
                   .FirstOrDefault(e => e[BehaviorStream.Fields.User] == readerId)).IsNull)
        {
            Assert.True(DateTime.UtcNow < deadline, "The exposure never reached the stream.");
            await Task.Delay(20);
        }

        var param = JsonDocument.Parse((string)exposure["param"]!).RootElement;
        Assert.Equal("exposure", param.GetProperty("action").GetString());
        Assert.Equal("[" + string.Join(", ", page.ArticleIds()) + "]", param.GetProperty("articleId").GetString());
    }

    private async Task Refused(HttpStatusCode status, string message, string? reader, object body, bool raw = false)
    {
        ApiResponse response;
        if (raw)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1_0/behaviors") { Content = new StringContent((string)body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", reader);
            using var answer = await fixture.WebClient.SendAsync(request);
            response = new ApiResponse(answer.StatusCode, JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone(), answer.Headers);
        }
        else
        {
            response = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/behaviors", reader, body);
        }

        Assert.Equal(status, response.Status);
        Assert.Contains(message, response.Message);
    }

    private sealed record PageArticle(long Id, string Click, string Read);

    private async Task<(string Reader, PageArticle Article)> FreshArticleAsync()
    {
        var reader = Api.NewAnonymousReader();
        var page = await fixture.WebClient.FeedAsync(3, Api.Now(), reader);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var first = page.Data.GetProperty("results")[0];
        var trace = first.GetProperty("trace");
        return (reader, new PageArticle(first.GetProperty("art_id").GetInt64(), trace.GetProperty("click").GetString()!, trace.GetProperty("read").GetString()!));
    }

    private static NameValueEntry[] Fields(string action, string user, long articleId) =>
    [
        new(BehaviorStream.Fields.Action, action),
        new(BehaviorStream.Fields.User, user),
        new(BehaviorStream.Fields.Article, articleId),
        new(BehaviorStream.Fields.Algorithm, "Algo-1"),
        new(BehaviorStream.Fields.IssuedAt, Api.Now()),
        new(BehaviorStream.Fields.ReportedAt, Api.Now()),
        new(BehaviorStream.Fields.TraceParent, ""),
    ];

    // This fixture's Reco only: the cluster tests' Reco applies behaviours in this process at the same time.
    private MeasurementSignal Applied(long count) => new("Toutiao.Reco", "toutiao.behaviors", new("outcome", "applied"), count, fixture.Reco.Services);


    private async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        var deadline = DateTime.UtcNow + Patience;
        Activity? span;
        while ((span = fixture.Spans.Snapshot().FirstOrDefault(match)) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "The span never arrived.");
            await Task.Delay(20);
        }

        return span;
    }
}
