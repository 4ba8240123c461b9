using System.Diagnostics;
using System.Globalization;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;
using Toutiao.Tests.AppHost;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Soak;

/// <summary>
/// Nothing acknowledged is lost while Reco is away: every Reco replica stopped through the app model
/// for <c>RECO_AWAY_SECONDS</c> (120) while readers report what they read, then started again; each
/// report Web answered 201 is applied exactly once (MySQL's read counts rise by exactly the reports
/// accepted). Two minutes and more, so with the soak (<c>./toutiao soak</c>), not in <c>./toutiao test</c>.
/// </summary>
[Trait("Category", TestCategories.Soak)]
[Collection(SoakCollection.Name)]
public sealed class RecoAwayTests(ToutiaoAppFixture app, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Reports_sent_while_every_reco_is_stopped_are_each_applied_exactly_once_after_it_returns()
    {
        var away = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("RECO_AWAY_SECONDS") ?? "120", CultureInfo.InvariantCulture));
        // Signed-in readers: an anonymous reader's read raises counts once per client address, and every
        // request here comes from one. Sign-in allows 20 a minute per client address.
        var readers = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var mobile = "138" + Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
            readers.Add(Api.Bearer((await app.Web.SignInWithCodeAsync(mobile)).Data.GetProperty("token").GetString()!));
        }

        // The read strings first: without Reco the pages carry none.
        var reads = new List<(string Reader, long Article, string Read)>();
        foreach (var reader in readers)
        {
            for (var channel = 1; channel <= 12; channel++)
            {
                var page = await app.Web.FeedAsync(channel, Api.Now(), reader);
                Assert.Equal(HttpStatusCode.OK, page.Status);
                foreach (var item in page.Data.GetProperty("results").EnumerateArray())
                {
                    reads.Add((reader, item.GetProperty("art_id").GetInt64(), item.GetProperty("trace").GetProperty("read").GetString()!));
                }
            }
        }

        await using var mysql = new MySqlDataSource((await app.App.GetConnectionStringAsync("toutiao"))!);
        var articles = reads.Select(r => r.Article).Distinct().ToList();
        var before = await ReadCountsAsync(mysql, articles);

        var instances = await AppInstances.OfAsync(app.App, "reco");
        Assert.Equal(2, instances.Count);
        using var timeout = new CancellationTokenSource(away + TimeSpan.FromMinutes(4));
        foreach (var instance in instances)
        {
            var stopped = await app.App.ResourceCommands.ExecuteCommandAsync(instance.ResourceId, KnownResourceCommands.StopCommand, timeout.Token);
            Assert.True(stopped.Success, stopped.Message);
        }

        // Spread over the time away; a 429 (the reader's report limit) is sent again a moment later.
        var accepted = new Dictionary<long, int>();
        var clock = Stopwatch.StartNew();
        var gap = away / reads.Count;
        var limited = 0;
        try
        {
            for (var i = 0; i < reads.Count; i++)
            {
                var (reader, article, read) = reads[i];
                ApiResponse response;
                while ((response = await app.Web.SendAsync(HttpMethod.Post, "/v1_0/behaviors", reader, new[] { new { param = read, read_time = 30 } })).Status == HttpStatusCode.TooManyRequests)
                {
                    limited++;
                    await Task.Delay(200, timeout.Token);
                }

                Assert.True(response.Status == HttpStatusCode.Created, $"report {i}: {response.Status} {response.Body}");
                accepted[article] = accepted.GetValueOrDefault(article) + response.Data.GetProperty("accepted").GetInt32();
                var due = gap * (i + 1) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, timeout.Token);
                }
            }
        }
        catch
        {
            await StartAsync(instances);
            throw;
        }

        // Really away: nothing applied meanwhile, everything waiting in the stream.
        await using var state = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync((await app.App.GetConnectionStringAsync("redis"))!);
        var waiting = await StillToApplyAsync(state.GetDatabase());
        var meanwhile = await ReadCountsAsync(mysql, articles);
        await StartAsync(instances);
        Assert.Equal(before, meanwhile);
        Assert.True(waiting >= accepted.Values.Sum(), $"only {waiting} entries waited for Reco");

        var awayFor = clock.Elapsed;
        output.WriteLine($"Reco away {awayFor.TotalSeconds:0} s: {reads.Count} reports of {articles.Count} articles, {accepted.Values.Sum()} accepted ({waiting} entries waiting), {limited} times 429 first");
        while (!(await AppInstances.OfAsync(app.App, "reco")).All(i => i.Snapshot.HealthStatus == HealthStatus.Healthy && i.Snapshot.State?.Text == KnownResourceStates.Running))
        {
            await Task.Delay(500, timeout.Token);
        }

        // Applied: every accepted report raised its article's count once. Waited for until all
        // arrived (or 2 minutes), then until the group has delivered everything and nothing is
        // pending: no copy is left to apply twice.
        var back = Stopwatch.StartNew();
        Dictionary<long, long> after;
        while (!Matches(after = await ReadCountsAsync(mysql, articles), before, accepted) && back.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(500, timeout.Token);
        }

        output.WriteLine($"All applied {back.Elapsed.TotalSeconds:0.0} s after both Reco replicas were healthy");
        while (await StillToApplyAsync(state.GetDatabase()) is var left and > 0 && back.Elapsed < TimeSpan.FromMinutes(3))
        {
            output.WriteLine($"{left} entries still to apply");
            await Task.Delay(500, timeout.Token);
        }

        after = await ReadCountsAsync(mysql, articles);
        var wrong = articles.Where(a => after[a] - before[a] != accepted.GetValueOrDefault(a))
            .Select(a => $"{a}: +{after[a] - before[a]} for {accepted.GetValueOrDefault(a)} accepted").ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {articles.Count} articles' read counts are not the reports accepted: {string.Join(", ", wrong.Take(10))}");
    }

    private async Task StartAsync(IEnumerable<ResourceEvent> instances)
    {
        foreach (var instance in instances)
        {
            var started = await app.App.ResourceCommands.ExecuteCommandAsync(instance.ResourceId, KnownResourceCommands.StartCommand, CancellationToken.None);
            Assert.True(started.Success, started.Message);
        }
    }

    /// <summary>Entries the consumer group has not been given yet (its lag) plus those given and not acknowledged.</summary>
    private static async Task<long> StillToApplyAsync(StackExchange.Redis.IDatabase db)
    {
        var group = (await db.StreamGroupInfoAsync(Toutiao.Contracts.Behaviors.BehaviorStream.Events))
            .Single(g => g.Name == Toutiao.Contracts.Behaviors.BehaviorStream.ConsumerGroup);
        return (group.Lag ?? 0) + group.PendingMessageCount;
    }

    private static bool Matches(Dictionary<long, long> after, Dictionary<long, long> before, Dictionary<long, int> accepted)
        => after.All(a => a.Value - before[a.Key] == accepted.GetValueOrDefault(a.Key));

    private static async Task<Dictionary<long, long>> ReadCountsAsync(MySqlDataSource mysql, IReadOnlyCollection<long> articles)
    {
        await using var command = mysql.CreateCommand(
            $"SELECT article_id, read_count FROM news_article_statistic WHERE article_id IN ({string.Join(',', articles)})");
        await using var rows = await command.ExecuteReaderAsync();
        var counts = articles.ToDictionary(a => a, _ => 0L);
        while (await rows.ReadAsync())
        {
            counts[rows.GetInt64(0)] = rows.GetInt64(1);
        }

        return counts;
    }
}
