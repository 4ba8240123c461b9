extern alias reco;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Tests.Infrastructure;
using BehaviorEffects = reco::Toutiao.Reco.Behaviors.BehaviorEffects;
using TrackingParameters = reco::Toutiao.Reco.Recommend.TrackingParameters;
using UserFeedHistory = reco::Toutiao.Reco.History.UserFeedHistory;

namespace Toutiao.Tests.Behaviors;

/// <summary>
/// Replayed and flooded reports (<c>POST /v1_0/behaviors</c>): a tracking string counts once per
/// reader, readers without sign-in raise an article's counts once per client, and reports are
/// limited per reader and per client across replicas. Each test has a Web of its own behind a
/// trusted proxy (127.0.0.1), so its client address is its own.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class ReportAbuseTests(ToutiaoFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_read_replayed_35_times_counts_once_and_another_anonymous_id_on_the_same_client_moves_only_its_own_profile()
    {
        var (web, client) = StartWeb();
        await using var _ = web;
        using var __ = client;
        var address = UniqueAddress();
        var article = (long)Random.Shared.Next(10_000, 49_000);
        var before = await fixture.ReadCountAsync(article);
        var first = Api.NewAnonymousReader();
        var read = Track(AnonymousUser(first), article);

        Assert.Equal(1, await ReportAsync(client, address, first, new { param = read, read_time = 30 }));
        for (var i = 0; i < 14; i++)
        {
            Assert.Equal(0, await ReportAsync(client, address, first, new { param = read, read_time = 30 }));
        }

        Assert.Equal(0, await ReportAsync(client, address, first, Enumerable.Repeat(new { param = read, read_time = 30 }, 20).ToArray()));
        await UntilServedAsync(AnonymousUser(first), article);
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article));

        // A new anonymous id on the same client: its own history learns the read, the article's count does not.
        var second = Api.NewAnonymousReader();
        Assert.Equal(1, await ReportAsync(client, address, second, new { param = Track(AnonymousUser(second), article), read_time = 30 }));
        await UntilServedAsync(AnonymousUser(second), article);
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article));

        // A signed-in reader is somebody: their read counts, from the same client too.
        var userId = Random.Shared.NextInt64(1_000_000, 2_000_000);
        var token = Api.Bearer(fixture.WebService<Toutiao.Web.Auth.TokenService>().Create(userId, refresh: false));
        Assert.Equal(1, await ReportAsync(client, address, token, new { param = Track(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), article), read_time = 30 }));
        await UntilServedAsync(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), article);
        Assert.Equal(before + 2, await fixture.ReadCountAsync(article));
    }

    [Fact]
    public async Task A_burst_of_400_reports_from_one_reader_meets_a_429_with_retry_after_and_another_client_is_not_held_up()
    {
        var (web, client) = StartWeb(new() { ["RateLimits:ReportsPerReaderPerMinute"] = "300", ["RateLimits:ReportsPerClientPerMinute"] = "1200" });
        await using var _ = web;
        using var __ = client;
        var address = UniqueAddress();
        var reader = Api.NewAnonymousReader();
        var user = AnonymousUser(reader);

        HttpStatusCode? refused = null;
        string? retryAfter = null;
        for (var i = 0; i < 400 && refused is null; i++)
        {
            using var response = await PostAsync(client, address, reader, new { param = Track(user, 1_000_000 + i) });
            if (response.StatusCode != HttpStatusCode.Created)
            {
                refused = response.StatusCode;
                retryAfter = response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Contains("Too many requests", await response.Content.ReadAsStringAsync());
                // The sliding window weighs the previous minute by the part it still covers: a burst
                // that crosses a minute's end gets those few permits more, never fewer than the limit.
                Assert.InRange(i, 300, 315);
            }
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        var other = Api.NewAnonymousReader();
        Assert.Equal(1, await ReportAsync(client, UniqueAddress(), other, new { param = Track(AnonymousUser(other), 1_000_000) }));
    }

    [Fact]
    public async Task The_consumer_applies_one_entry_per_once_key_however_the_copies_reached_the_stream()
    {
        var article = (long)Random.Shared.Next(10_000, 49_000);
        var before = await fixture.ReadCountAsync(article);
        var effects = fixture.Reco.Services.GetRequiredService<BehaviorEffects>();
        var once = Toutiao.Web.Behaviors.ReportedOnce.OnceKey("u:42", "read", article);
        StreamEntry Copy() => new($"{Api.Now()}-{Random.Shared.Next()}",
        [
            new(BehaviorStream.Fields.Action, "read"),
            new(BehaviorStream.Fields.User, "42"),
            new(BehaviorStream.Fields.Article, article),
            new(BehaviorStream.Fields.ReportedAt, Api.Now()),
            new(BehaviorStream.Fields.Once, once),
            new(BehaviorStream.Fields.Counted, 1),
        ]);

        Assert.Equal(1, await effects.ApplyAsync([Copy(), Copy()], CancellationToken.None));
        Assert.Equal(0, await effects.ApplyAsync([Copy()], CancellationToken.None));
        Assert.Equal(before + 1, await fixture.ReadCountAsync(article));
    }

    private (WebApplicationFactory<Program> Web, HttpClient Client) StartWeb(Dictionary<string, string?>? overrides = null)
    {
        var settings = overrides ?? [];
        settings["TrustedProxies:Addresses:0"] = "127.0.0.1";
        var port = Ports.Free();
        return (fixture.StartWeb(port, fixture.RecoAddress, "Development", overrides: settings), new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }

    private static string UniqueAddress() => $"198.51.{Random.Shared.Next(0, 256)}.{Random.Shared.Next(1, 255)}";

    private static string AnonymousUser(string authorization) => "anony:" + authorization["Anony ".Length..];

    private string Track(string userId, long articleId)
        => fixture.Reco.Services.GetRequiredService<TrackingParameters>().Tracks(userId, [articleId], "Algo-1").Single().Read;

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string address, string authorization, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1_0/behaviors") { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", address);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await client.SendAsync(request);
    }

    private static async Task<int> ReportAsync(HttpClient client, string address, string authorization, object body)
    {
        using var response = await PostAsync(client, address, authorization, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("data").GetProperty("accepted").GetInt32();
    }

    /// <summary>Until Reco applied the reader's read (their history has the article), which is what a count would follow.</summary>
    private async Task UntilServedAsync(string userId, long articleId)
    {
        var deadline = DateTime.UtcNow + Patience;
        // An anonymous reader's history is in the cache server, a signed-in one's in the state server.
        var server = userId.StartsWith("anony:", StringComparison.Ordinal) ? fixture.Cache : fixture.Redis;
        while (await server.GetDatabase().SortedSetScoreAsync(UserFeedHistory.ServedKey(userId, 0), articleId) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Reco never applied {userId}'s read of {articleId}.");
            await Task.Delay(50);
        }
    }

}

[Collection(ClusterCollection.Name)]
public sealed class ReportAbuseOnClusterTests(ClusterToutiaoFixture fixture) : ReportAbuseTests(fixture);
