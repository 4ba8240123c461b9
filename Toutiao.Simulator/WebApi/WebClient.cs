using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toutiao.Simulator.Catalogue;

namespace Toutiao.Simulator.WebApi;

/// <summary>
/// The simulator's calls to Web's HTTP API, as the app makes them. A call that fails (any non-2xx,
/// a refused connection, a body that is not the envelope) is counted in <see cref="Errors"/> and
/// answers null: the simulation goes on and reports how many there were.
/// </summary>
public sealed class WebClient(HttpClient http)
{
    private int _errors;
    private readonly List<string> _errorSamples = [];

    public int Errors => Volatile.Read(ref _errors);

    /// <summary>The first few errors, for the report.</summary>
    public IReadOnlyList<string> ErrorSamples
    {
        get
        {
            lock (_errorSamples)
            {
                return _errorSamples.ToList();
            }
        }
    }

    /// <summary>The visible channels from <c>GET /v1_0/channels</c>, 推荐 (0) left out.</summary>
    public async Task<IReadOnlyList<int>?> ChannelsAsync(CancellationToken cancellationToken)
    {
        return await GetAsync<IReadOnlyList<int>>("/v1_0/channels", null,
            data => data.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("id").GetInt32()).Where(id => id != 0).ToList(),
            cancellationToken);
    }

    /// <summary>One page of a channel's article list: the articles and the channel's total.</summary>
    public async Task<(IReadOnlyList<CatalogueArticle> Articles, int Total)?> ChannelArticlesAsync(int channel, int page, int perPage, CancellationToken cancellationToken)
    {
        var list = await GetAsync($"/v1_0/articles?channel_id={channel}&page={page}&per_page={perPage}", null, data => new ChannelPage(
            data.GetProperty("results").EnumerateArray()
                .Select(a => new CatalogueArticle(a.GetProperty("art_id").GetInt64(), channel, a.GetProperty("aut_id").GetInt64(),
                    a.TryGetProperty("title", out var title) ? title.GetString() ?? "" : ""))
                .ToList(),
            data.GetProperty("total_count").GetInt32()), cancellationToken);
        return list is null ? null : (list.Articles, list.Total);
    }

    /// <summary><c>GET /v1_1/articles</c> as an anonymous reader with history (<c>Authorization: Anony &lt;id&gt;</c>).</summary>
    public async Task<FeedPage?> FeedAsync(string anonymousId, int channel, long timestamp, CancellationToken cancellationToken)
    {
        return await GetAsync($"/v1_1/articles?channel_id={channel}&timestamp={timestamp}", anonymousId, ReadFeedPage, cancellationToken);
    }

    private static FeedPage ReadFeedPage(JsonElement page)
    {
        var items = page.GetProperty("results").EnumerateArray()
            // Pinned articles carry no tracking strings (and come only with with_top, which 推荐 is not asked for).
            .Where(a => a.TryGetProperty("trace", out var trace) && trace.ValueKind == JsonValueKind.Object)
            .Select(a =>
            {
                var trace = a.GetProperty("trace");
                return new FeedItem(a.GetProperty("art_id").GetInt64(), a.GetProperty("aut_id").GetInt64(),
                    trace.GetProperty("click").GetString() ?? "", trace.GetProperty("read").GetString() ?? "", trace.GetProperty("collect").GetString() ?? "");
            })
            .ToList();
        return new FeedPage(page.GetProperty("pre_timestamp").GetInt64(), items);
    }

    /// <summary><c>POST /v1_0/behaviors</c> with a list (1–50), as the app batches a page's reports.</summary>
    public async Task<bool> ReportAsync(string anonymousId, IReadOnlyList<Behavior> behaviors, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1_0/behaviors")
        {
            Content = JsonContent.Create(behaviors.Select(b => new BehaviorBody(b.Param, b.ReadTime)).ToList()),
        };
        return await SendAsync(request, anonymousId, _ => true, cancellationToken) is not null;
    }

    /// <summary>A stable private address (10.x.y.z) per simulated reader.</summary>
    public static string ClientAddress(string anonymousId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(anonymousId));
        return $"10.{hash[0]}.{hash[1]}.{hash[2]}";
    }

    private async Task<T?> GetAsync<T>(string path, string? anonymousId, Func<JsonElement, T> read, CancellationToken cancellationToken) where T : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        return await SendAsync(request, anonymousId, read, cancellationToken) is { } value ? (T)value : null;
    }

    /// <summary>The envelope's <c>data</c> read by <paramref name="read"/>; null (and counted) on any failure.</summary>
    private async Task<object?> SendAsync<T>(HttpRequestMessage request, string? anonymousId, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        if (anonymousId is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Anony " + anonymousId);
            // Each simulated reader is a phone of its own: its own address, which Web believes from
            // its one trusted proxy (the evaluation's Web trusts 127.0.0.1), as per-client limits and
            // counts need.
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", ClientAddress(anonymousId));
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"{request.Method} {request.RequestUri}: {(int)response.StatusCode} {Truncate(text)}");
            }

            using var body = JsonDocument.Parse(text);
            return body.RootElement.TryGetProperty("data", out var data) ? read(data) : Failed($"{request.Method} {request.RequestUri}: no data in {Truncate(text)}");
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or KeyNotFoundException or InvalidOperationException
                                   || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return Failed($"{request.Method} {request.RequestUri}: {ex.GetType().Name} {ex.Message}");
        }
    }

    private object? Failed(string what)
    {
        Interlocked.Increment(ref _errors);
        lock (_errorSamples)
        {
            if (_errorSamples.Count < 5)
            {
                _errorSamples.Add(what);
            }
        }

        return null;
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "...";

    private sealed record ChannelPage(IReadOnlyList<CatalogueArticle> Articles, int Total);

    private sealed record BehaviorBody(
        [property: JsonPropertyName("param")] string Param,
        [property: JsonPropertyName("read_time"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? ReadTime);
}
