extern alias reco;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Toutiao.Contracts.Feed;
using Toutiao.Tests.Infrastructure;
using ClickFeatures = reco::Toutiao.Reco.Ranking.ClickFeatures;
using ClickModel = reco::Toutiao.Reco.Ranking.ClickModel;
using ClickModelStore = reco::Toutiao.Reco.Ranking.ClickModelStore;
using ClickModelTraining = reco::Toutiao.Reco.Ranking.ClickModelTraining;
using Experiments = reco::Toutiao.Reco.Recommend.Experiments;
using ReaderProfileStore = reco::Toutiao.Reco.Profiles.ReaderProfileStore;
using RecallCandidateStore = reco::Toutiao.Reco.Recall.RecallCandidateStore;

namespace Toutiao.Tests.Reco;

/// <summary>
/// The click model on real servers: trained in the background from the exposure stream and the
/// clicks that followed, stored once for every replica, and ordering a profiled reader's page.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class ClickModelTests(ToutiaoFixture fixture) : IAsyncLifetime
{
    private readonly ReaderActions actions = new(fixture);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private ClickModelStore Models => fixture.Reco.Services.GetRequiredService<ClickModelStore>();

    public Task InitializeAsync() => ForgetModelAsync();

    // Other tests' pages are ordered without a model, as before this class ran.
    public Task DisposeAsync() => ForgetModelAsync();

    [Fact]
    public async Task A_model_trained_on_exposures_and_clicks_is_stored_served_by_version_and_orders_the_page()
    {
        const int channel = 7;
        var readers = Enumerable.Range(0, 3).Select(_ => ReaderActions.ReaderIn(Experiments.Profile)).ToList();
        foreach (var reader in readers)
        {
            // An interest shown in the channel's own tab, then pages of 推荐 where only its articles are taken up.
            await actions.ReportAsync(reader, await actions.PageAsync(channel, reader), _ => true);
            for (var i = 0; i < 3; i++)
            {
                var page = await actions.PageAsync(RecommendedChannel.Id, reader);
                var channels = await actions.ChannelsOfAsync(page);
                await actions.ReportAsync(reader, page, index => channels[index] == channel);
            }
        }

        await fixture.Redis.GetDatabase().KeyDeleteAsync(ClickModelTraining.LockKey);
        var model = await fixture.Reco.Services.GetRequiredService<ClickModelTraining>().TrainOnceAsync(CancellationToken.None);

        Assert.NotNull(model);
        Assert.True(model.Examples >= 3 * 4 * 10, $"{model.Examples} examples");
        Assert.True(model.Clicks > 0 && model.Clicks < model.Examples);
        Assert.Equal(model.Version, ClickModel.Parse((await fixture.Redis.GetDatabase().StringGetAsync(ClickModelStore.Key))!)!.Version);
        Assert.Equal(model.Version, Models.Current?.Version);
        // What the evaluation reports: the served model, from Reco's development endpoint.
        using var reco = GrpcReady.CreateHttp2Client(fixture.RecoAddress);
        Assert.Equal(model.Version, ClickModel.Parse(await reco.GetStringAsync("/dev/click-model"))!.Version);

        var trace = TestTrace.New();
        var ranked = await fixture.WebClient.FeedAsync(RecommendedChannel.Id, Api.Now(), readers[0], trace: trace);
        Assert.Equal(10, ranked.ArticleIds().Count);
        // The page is in the model's order: each article scores at least as high as the next (the
        // catalogue's hotness may have moved a little since the page).
        var profile = await fixture.Reco.Services.GetRequiredService<ReaderProfileStore>().GetAsync("anony:" + readers[0]["Anony ".Length..], CancellationToken.None);
        var catalog = await fixture.Reco.Services.GetRequiredService<RecallCandidateStore>().GetCatalogAsync(CancellationToken.None);
        var total = profile.ChannelWeights.Values.Sum();
        var authorTotal = profile.AuthorWeights.Values.Sum();
        var keywordNorm = ClickFeatures.Norm(profile.KeywordWeights.Values);
        var scores = ranked.ArticleIds().Select(id =>
        {
            catalog.TryGet(id, out var article);
            return model.Score(ClickFeatures.For(ClickFeatures.Affinity(profile.ChannelWeights, total, article.ChannelId),
                ClickFeatures.Affinity(profile.AuthorWeights, authorTotal, article.AuthorId),
                ClickFeatures.KeywordSimilarity(profile.KeywordWeights, keywordNorm, article.KeywordList), article, catalog, position: 0));
        }).ToList();
        Assert.All(scores.Zip(scores.Skip(1)), pair => Assert.True(pair.First >= pair.Second - 0.01, string.Join(", ", scores.Select(s => s.ToString("F3")))));
        var rank = await SpanAsync(trace, "reco rank");
        Assert.Equal(model.Version, rank.GetTagItem("toutiao.reco.model.version"));
        // The profiled page's recall (after the one that found the profile) says each source's places.
        var recall = await SpanAsync(trace, "reco recall", s => s.GetTagItem("toutiao.reco.sources") is not null);
        Assert.Contains($"channel-{channel}:", (string)recall.GetTagItem("toutiao.reco.sources")!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_stored_model_is_logged_counted_and_pages_go_on_without_it()
    {
        using var unusable = new MeasurementSignal("Toutiao.Reco", "toutiao.reco.model.unusable", new("reason", "unreadable"), 1, fixture.Reco.Services);
        await Models.SaveAsync(new ClickModel(1, ClickFeatures.Names, [1, 1, 1, 1, 1, 1], 0, 0.5, 100, 10));
        await fixture.Redis.GetDatabase().StringSetAsync(ClickModelStore.Key, """{"version":2,"weights":"lots"}""");

        await Models.RefreshAsync();

        Assert.Null(Models.Current);
        await unusable.Reached.WaitAsync(Patience);
        using var reco = GrpcReady.CreateHttp2Client(fixture.RecoAddress);
        Assert.Equal(HttpStatusCode.NotFound, (await reco.GetAsync("/dev/click-model")).StatusCode);
        var reader = ReaderActions.ReaderIn(Experiments.Profile);
        await actions.ReportAsync(reader, await actions.PageAsync(5, reader), _ => true);
        var trace = TestTrace.New();
        var page = await fixture.WebClient.FeedAsync(RecommendedChannel.Id, Api.Now(), reader, trace: trace);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal(10, page.ArticleIds().Count);
        await SpanAsync(trace, "reco recall");
        Assert.DoesNotContain(trace.SpansIn(fixture.Spans), s => s.DisplayName == "reco rank");
    }

    private async Task ForgetModelAsync()
    {
        // One key at a time: on a cluster the two live in different slots.
        await fixture.Redis.GetDatabase().KeyDeleteAsync(ClickModelStore.Key);
        await fixture.Redis.GetDatabase().KeyDeleteAsync(ClickModelTraining.LockKey);
        await Models.RefreshAsync();
    }

    private async Task<System.Diagnostics.Activity> SpanAsync(TestTrace trace, string name, Func<System.Diagnostics.Activity, bool>? matching = null)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (trace.SpansIn(fixture.Spans).FirstOrDefault(s => s.DisplayName == name && (matching?.Invoke(s) ?? true)) is { } span)
            {
                return span;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no span {name} in the trace");
            await Task.Delay(20);
        }
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClickModelOnClusterTests(ClusterToutiaoFixture fixture) : ClickModelTests(fixture);
