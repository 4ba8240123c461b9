using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Toutiao.Tests.Infrastructure;

public sealed record ApiResponse(HttpStatusCode Status, JsonElement Body, HttpResponseHeaders Headers)
{
    /// <summary>A response header's values, joined; null when it is absent.</summary>
    public string? Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    public JsonElement Data => Body.GetProperty("data");

    public string Message => Body.GetProperty("message").GetString()!;
}

/// <summary>Calls the Web API over real HTTP and reads the Toutiao envelope.</summary>
public static class Api
{
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static Task<ApiResponse> FeedAsync(this HttpClient client, int channelId, long timestamp, string? authorization = null, bool withTop = false, TestTrace? trace = null)
        => client.SendAsync(HttpMethod.Get, $"/v1_1/articles?channel_id={channelId}&timestamp={timestamp}{(withTop ? "&with_top=true" : "")}", authorization, trace: trace);

    public static Task<ApiResponse> SendAsync(this HttpClient client, HttpMethod method, string path, string? authorization = null, object? body = null, TestTrace? trace = null,
        IReadOnlyDictionary<string, string>? headers = null)
        => client.SendContentAsync(method, path, authorization, body is null ? null : JsonContent.Create(body), trace, headers);

    /// <summary><c>PATCH /v1_0/user/photo</c> as the app sends it: a multipart form with the image in <c>photo</c>.</summary>
    public static Task<ApiResponse> UploadPhotoAsync(this HttpClient client, string? authorization, byte[] image, string fileName)
    {
        var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var form = new MultipartFormDataContent { { file, "photo", fileName } };
        return client.SendContentAsync(HttpMethod.Patch, "/v1_0/user/photo", authorization, form);
    }

    private static async Task<ApiResponse> SendContentAsync(this HttpClient client, HttpMethod method, string path, string? authorization, HttpContent? content, TestTrace? trace = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var traced = trace?.Begin();
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new ApiResponse(response.StatusCode, json, response.Headers);
    }

    /// <summary>Signs in with a Development code (the first time: signs up); the login's answer, <c>{token, refresh_token}</c>.</summary>
    public static async Task<ApiResponse> SignInWithCodeAsync(this HttpClient client, string mobile)
    {
        var code = (await client.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Data.GetProperty("code").GetString();
        return await client.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
    }

    public static IReadOnlyList<long> ArticleIds(this ApiResponse response)
        => response.Data.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("art_id").GetInt64()).ToList();

    public static long PreTimestamp(this ApiResponse response) => response.Data.GetProperty("pre_timestamp").GetInt64();

    /// <summary>A unique remembered anonymous reader, so tests do not share feed history.</summary>
    public static string NewAnonymousReader() => "Anony t" + Guid.NewGuid().ToString("N");

    public static string Bearer(string token) => "Bearer " + token;

    /// <summary>
    /// A JSON value's shape: its fields in order with their kinds, an array by its first element
    /// (<c>{id:number,tags:[string],photo:null}</c>), so a test can pin a response field by field.
    /// </summary>
    public static string Shape(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", element.EnumerateObject().Select(p => p.Name + ":" + p.Value.Shape())) + "}",
        JsonValueKind.Array => "[" + (element.GetArrayLength() > 0 ? element[0].Shape() : "") + "]",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => element.ValueKind.ToString().ToLowerInvariant(),
    };
}
