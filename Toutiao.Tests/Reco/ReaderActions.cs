extern alias reco;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Toutiao.Tests.Infrastructure;
using AlgorithmBucket = reco::Toutiao.Reco.Recommend.AlgorithmBucket;
using ClickModelStore = reco::Toutiao.Reco.Ranking.ClickModelStore;
using ClickModelTraining = reco::Toutiao.Reco.Ranking.ClickModelTraining;
using Experiments = reco::Toutiao.Reco.Recommend.Experiments;

namespace Toutiao.Tests.Reco;

/// <summary>What a reader does in the recommendation tests: pages, clicks and reads reported as the app does, and the channels of what was shown.</summary>
public sealed class ReaderActions(ToutiaoFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>An anonymous reader whose bucket (md5 of the id Reco sees) has <paramref name="arm"/>: the fixture makes bucket f a control.</summary>
    public static string ReaderIn(string arm)
    {
        while (true)
        {
            var reader = Api.NewAnonymousReader();
            var inControl = AlgorithmBucket.Digit("anony:" + reader["Anony ".Length..]) == 0xf;
            if (inControl == (arm == Experiments.HotNew))
            {
                return reader;
            }
        }
    }

    /// <summary>
    /// Until disposed, pages keep their sources' order: the stored click model is removed and
    /// training held off (its lock taken). A model the fixture's Reco trained on other tests' clicks
    /// may otherwise rank a source's one article off the page.
    /// </summary>
    public async Task<IAsyncDisposable> WithoutClickModelAsync()
    {
        // One key at a time: on a cluster the two live in different slots.
        var db = fixture.Redis.GetDatabase();
        await db.StringSetAsync(ClickModelTraining.LockKey, "a test", TimeSpan.FromMinutes(2));
        await db.KeyDeleteAsync(ClickModelStore.Key);
        var models = fixture.Reco.Services.GetRequiredService<ClickModelStore>();
        await models.RefreshAsync();
        Assert.Null(models.Current);
        return new Held(() => db.KeyDeleteAsync(ClickModelTraining.LockKey));
    }

    private sealed class Held(Func<Task> release) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await release();
    }

    public async Task<ApiResponse> PageAsync(int channel, string reader)
    {
        var page = await fixture.WebClient.FeedAsync(channel, Api.Now(), reader);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.NotEmpty(page.ArticleIds());
        return page;
    }

    /// <summary>Clicks and reads (30 s) the articles of <paramref name="page"/> that <paramref name="chosen"/> picks, and waits until Reco applied them.</summary>
    public async Task ReportAsync(string reader, ApiResponse page, Func<int, bool> chosen)
    {
        var reports = page.Data.GetProperty("results").EnumerateArray()
            .Select((item, index) => (Trace: item.GetProperty("trace"), Index: index))
            .Where(t => chosen(t.Index))
            .SelectMany(t => new object[] { new { param = t.Trace.GetProperty("click").GetString() }, new { param = t.Trace.GetProperty("read").GetString(), read_time = 30 } })
            .ToList();
        if (reports.Count == 0)
        {
            return;
        }

        using var applied = new MeasurementSignal("Toutiao.Reco", "toutiao.behaviors", new("outcome", "applied"), reports.Count, fixture.Reco.Services);
        var response = await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/behaviors", reader, reports);
        Assert.Equal(HttpStatusCode.Created, response.Status);
        await applied.Reached.WaitAsync(Patience);
    }

    /// <summary>The channel of each article of <paramref name="page"/>, in order.</summary>
    public async Task<List<int>> ChannelsOfAsync(ApiResponse page)
    {
        var ids = page.ArticleIds();
        await using var command = fixture.MySql.CreateCommand(
            $"SELECT article_id, channel_id FROM news_article_basic WHERE article_id IN ({string.Join(',', ids)})");
        var channels = new Dictionary<long, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            channels[reader.GetInt64(0)] = reader.GetInt32(1);
        }

        return ids.Select(id => channels[id]).ToList();
    }
}
