using System.Text.Encodings.Web;
using System.Text.Json;

namespace Toutiao.Web.Articles;

/// <summary>The JSON conventions of the Toutiao API and its cache entries: snake_case, readable Chinese.</summary>
public static class ToutiaoJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        // The API returns JSON, never HTML: Chinese text and quotes inside trace strings stay readable.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
    }

    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        Configure(options);
        return options;
    }
}
