using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Soak;

/// <summary>One request of the soak: when it started (since the soak began), what, how it ended.</summary>
public sealed record SoakRequest(TimeSpan At, string Operation, int Status, double Milliseconds, string? Degraded);

/// <summary>
/// The soak's readers and what they do: fresh and history pages, details, reports of what they were
/// shown, comments (each with an <c>Idempotency-Key</c>, sent again until one is 201), likes and
/// searches, in a fixed mix. Signed-in readers only: anonymous feed pages are limited per client
/// address, and every reader here shares one (127.0.0.1).
/// </summary>
public sealed class SoakTraffic(HttpClient web, IReadOnlyList<string> readers, string runId)
{
    /// <summary>
    /// Writes and lookups at fixed rates a second, under the limits one client address has (every
    /// reader here comes from 127.0.0.1): comments 30 a minute, writes 10 a second, reports and
    /// lookups 20. The rest of the rate is pages and details.
    /// </summary>
    private static readonly (string Operation, double PerSecond)[] FixedRates =
    [
        ("comment", 0.4), ("like", 4), ("report", 15), ("search", 6),
    ];

    /// <summary>How the rest is shared, per hundred.</summary>
    private static readonly (string Operation, int Weight)[] Reads = [("fresh", 45), ("history", 35), ("detail", 20)];

    private static readonly string[] Queries = ["技术", "开发", "数据", "手机", "设计", "系统"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<(string Reader, int Channel), long> _lastPage = new();
    private readonly ConcurrentQueue<(string Reader, string Click)> _shown = new();
    private readonly ConcurrentBag<long> _articles = [];

    public ConcurrentQueue<SoakRequest> Requests { get; } = new();

    /// <summary>Every comment meant, by its key: its content, and whether a 201 has said it is kept.</summary>
    public ConcurrentDictionary<string, (string Reader, long Article, string Content, bool Kept)> Comments { get; } = new();

    /// <summary>Articles whose counts a write changed: their served counts are checked against MySQL.</summary>
    public ConcurrentDictionary<long, byte> Touched { get; } = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Requests as fast as <paramref name="concurrency"/> loops can send them, for <paramref name="length"/>: requests per second.</summary>
    public async Task<double> MeasureCapacityAsync(int concurrency, TimeSpan length)
    {
        var count = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var random = new Random(worker);
            while (watch.Elapsed < length)
            {
                // Pages and details only: what the capacity of the reads is.
                await SendOneAsync(random, double.PositiveInfinity);
                Interlocked.Increment(ref count);
            }
        }));
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Sends <paramref name="perSecond"/> requests a second until <paramref name="until"/>, whether or not
    /// earlier ones have answered (an open loop: a stalled server does not slow the arrivals), at most
    /// <paramref name="inFlight"/> at once; the ones over that are counted as shed by the driver.
    /// </summary>
    public async Task<int> RunAsync(double perSecond, int inFlight, CancellationToken until)
    {
        var gate = new SemaphoreSlim(inFlight);
        var shed = 0;
        var random = new Random(42);
        var started = 0L;
        var begin = _clock.Elapsed;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        var running = new List<Task>();
        try
        {
            while (await timer.WaitForNextTickAsync(until))
            {
                var due = (long)((_clock.Elapsed - begin).TotalSeconds * perSecond);
                for (; started < due; started++)
                {
                    if (!gate.Wait(0))
                    {
                        shed++;
                        continue;
                    }

                    var seed = random.Next();
                    running.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await SendOneAsync(new Random(seed), perSecond);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }));
                }

                running.RemoveAll(t => t.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (until.IsCancellationRequested)
        {
        }

        await Task.WhenAll(running);
        return shed;
    }

    /// <summary>Sends every comment not yet known kept again, with its key: a retry adds no second one.</summary>
    public async Task<int> ResendUnkeptCommentsAsync()
    {
        var unkept = 0;
        foreach (var (key, comment) in Comments.Where(c => !c.Value.Kept))
        {
            var response = await PostCommentAsync(key, comment.Reader, comment.Article, comment.Content);
            unkept += response == HttpStatusCode.Created ? 0 : 1;
        }

        return unkept;
    }

    private async Task SendOneAsync(Random random, double perSecond)
    {
        var fixedRoll = random.NextDouble() * perSecond;
        var operation = FixedRates.FirstOrDefault(f => (fixedRoll -= f.PerSecond) < 0).Operation;
        if (operation is null)
        {
            var roll = random.Next(100);
            operation = Reads.First(r => (roll -= r.Weight) < 0).Operation;
        }

        var reader = readers[random.Next(readers.Count)];
        var at = _clock.Elapsed;
        var watch = Stopwatch.StartNew();
        int status;
        string? degraded = null;
        try
        {
            (status, degraded) = operation switch
            {
                "fresh" or "history" => await FeedAsync(operation, reader, random),
                "detail" => ((int)(await web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{AnyArticle(random)}", reader)).Status, null),
                "report" => (await ReportAsync(reader), null),
                "search" => ((int)(await web.SendAsync(HttpMethod.Get, $"/v1_0/search?q={Uri.EscapeDataString(Queries[random.Next(Queries.Length)])}", reader)).Status, null),
                "like" => (await LikeAsync(reader, random), null),
                _ => (await CommentAsync(reader, random), null),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            // No answer at all (the client's own 100 s timeout, a reset connection): the worst outcome, counted as 0.
            status = 0;
        }

        Requests.Enqueue(new SoakRequest(at, operation, status, watch.Elapsed.TotalMilliseconds, degraded));
    }

    private async Task<(int, string?)> FeedAsync(string operation, string reader, Random random)
    {
        var channel = random.Next(0, 8);
        var history = operation == "history" && _lastPage.TryGetValue((reader, channel), out var last) && last > 0;
        var page = await web.FeedAsync(channel, history ? _lastPage[(reader, channel)] : Api.Now(), reader);
        if (page.Status == HttpStatusCode.OK)
        {
            // The next history page of this reader and channel is the one before this one.
            _lastPage[(reader, channel)] = page.PreTimestamp();
            foreach (var item in page.Data.GetProperty("results").EnumerateArray())
            {
                var id = item.GetProperty("art_id").GetInt64();
                _articles.Add(id);
                if (item.TryGetProperty("trace", out var trace) && trace.ValueKind == JsonValueKind.Object
                    && trace.GetProperty("click").GetString() is { Length: > 0 } click && _shown.Count < 5_000)
                {
                    _shown.Enqueue((reader, click));
                }
            }
        }

        return ((int)page.Status, page.Header("X-Feed-Degraded"));
    }

    private long AnyArticle(Random random) => _articles.Count == 0 ? 1 + random.Next(50_000) : _articles.ElementAt(random.Next(Math.Min(_articles.Count, 500)));

    private async Task<int> ReportAsync(string reader)
    {
        if (!_shown.TryDequeue(out var shown))
        {
            return (int)(await web.SendAsync(HttpMethod.Get, "/v1_0/channels", reader)).Status;
        }

        // Reported by the reader who was shown it: another reader's string is refused.
        return (int)(await web.SendAsync(HttpMethod.Post, "/v1_0/behaviors", shown.Reader, new { param = shown.Click })).Status;
    }

    private async Task<int> LikeAsync(string reader, Random random)
    {
        var article = AnyArticle(random);
        var response = random.Next(2) == 0
            ? await web.SendAsync(HttpMethod.Post, "/v1_0/article/likings", reader, new { target = article })
            : await web.SendAsync(HttpMethod.Delete, $"/v1_0/article/likings/{article}", reader);
        Touched.TryAdd(article, 0);
        return (int)response.Status;
    }

    private async Task<int> CommentAsync(string reader, Random random)
    {
        var article = AnyArticle(random);
        var key = Guid.NewGuid().ToString("N");
        var content = $"soak {runId} {key}";
        Comments[key] = (reader, article, content, false);
        return (int)await PostCommentAsync(key, reader, article, content);
    }

    private async Task<HttpStatusCode> PostCommentAsync(string key, string reader, long article, string content)
    {
        var response = await web.SendAsync(HttpMethod.Post, "/v1_0/comments", reader, new { target = article, content },
            headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });
        Touched.TryAdd(article, 0);
        if (response.Status == HttpStatusCode.Created)
        {
            Comments[key] = (reader, article, content, true);
        }

        return response.Status;
    }
}
