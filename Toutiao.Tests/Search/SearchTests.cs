using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Search;

namespace Toutiao.Tests.Search;

/// <summary>Search and suggestions over titles and content in Chinese (Lucene.Net, SmartCn), kept current as articles change.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class SearchTests(ToutiaoFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Articles_are_found_by_title_and_content_ranked_and_suggested()
    {
        await ReadyAsync();
        var byNumber = await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/search?q=49993&per_page=5");
        Assert.Equal(HttpStatusCode.OK, byNumber.Status);
        // The number is in its title ("第49993篇") and its content: it comes first.
        Assert.Equal(49993, byNumber.ArticleIds()[0]);
        // Served from files in this process' folder under Search:IndexDirectory, not the heap.
        var folder = Path.Combine(fixture.SearchDirectory, $"{Environment.MachineName}-{Environment.ProcessId}");
        Assert.True(Directory.EnumerateFiles(folder).Sum(f => new FileInfo(f).Length) > 1_000_000);

        var byContent = await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/search?q=推荐服务&page=2&per_page=5");
        Assert.True(byContent.Data.GetProperty("total_count").GetInt64() > 10);
        Assert.Equal(5, byContent.ArticleIds().Count);
        Assert.Equal(2, byContent.Data.GetProperty("page").GetInt32());

        var suggested = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/suggestion?q=深入理解")).Data.GetProperty("options").EnumerateArray().ToList();
        Assert.NotEmpty(suggested);
        Assert.All(suggested, o => Assert.Contains("深入理解", o.GetString()));

        // What is typed so far is completed: a first character (深入, 深拷贝, 深度学习...), the start of a Latin word.
        foreach (var typed in new[] { "深", "htm" })
        {
            var options = (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/suggestion?q=" + Uri.EscapeDataString(typed))).Data.GetProperty("options").EnumerateArray().ToList();
            Assert.NotEmpty(options);
            Assert.All(options, o => Assert.Contains(o.GetString()!.Split(' '), word => word.StartsWith(typed, StringComparison.OrdinalIgnoreCase) && word.Length > typed.Length));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/search?q=")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/suggestion?q=" + new string('长', 51))).Status);
        Assert.Empty((await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/search?q=。")).ArticleIds());
    }

    [Fact]
    public async Task A_changed_article_is_found_by_its_new_title_and_an_unapproved_one_no_more()
    {
        await ReadyAsync();
        const long article = 12345;
        var marker = "独角兽" + Random.Shared.Next(1000, 9999);
        try
        {
            await ExecuteAsync($"UPDATE news_article_basic SET title = CONCAT(title, ' {marker}'), update_time = NOW() + INTERVAL 1 SECOND WHERE article_id = {article}");
            await UntilAsync(async () => (await FoundAsync(marker)).Contains(article));

            await ExecuteAsync($"UPDATE news_article_basic SET status = 3, update_time = NOW() + INTERVAL 2 SECOND WHERE article_id = {article}");
            await UntilAsync(async () => !(await FoundAsync(marker)).Contains(article));
        }
        finally
        {
            await ExecuteAsync($"UPDATE news_article_basic SET title = REPLACE(title, ' {marker}', ''), status = 2 WHERE article_id = {article}");
        }
    }

    [Fact]
    public async Task A_look_at_MySQL_indexes_only_what_changed_since_the_last()
    {
        // The demo data stamps all 50,000 articles with one update_time: looking at that second
        // again re-indexed every one of them at every look (ten seconds of CPU a minute).
        await ReadyAsync();
        var refreshes = System.Threading.Channels.Channel.CreateUnbounded<long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ArticleSearch.MeterName && instrument.Name == "toutiao.search.indexed")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "look" && Equals(tag.Value, "refresh"))
                {
                    refreshes.Writer.TryWrite(value);
                }
            }
        });
        listener.Start();

        using var timeout = new CancellationTokenSource(Patience);
        var looks = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            looks.Add(await refreshes.Reader.ReadAsync(timeout.Token));
        }

        // Other tests change a few articles meanwhile; nothing near the whole set comes back.
        Assert.All(looks, indexed => Assert.InRange(indexed, 0, 100));
    }

    private async Task<IReadOnlyList<long>> FoundAsync(string q)
        => (await fixture.WebClient.SendAsync(HttpMethod.Get, $"/v1_0/search?q={Uri.EscapeDataString(q)}")).ArticleIds();

    /// <summary>Indexing runs in the background: the first build after start, then every second in the tests.</summary>
    private Task ReadyAsync() => fixture.SearchBuiltAsync();

    private static async Task UntilAsync(Func<Task<bool>> condition)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(stopwatch.Elapsed < Patience, "The search index never got there.");
            await Task.Delay(100);
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = fixture.MySql.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
