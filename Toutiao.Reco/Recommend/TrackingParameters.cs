using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Toutiao.Reco.Grpc;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The behaviour-tracking JSON the app echoes back to the log pipeline, in the original system's
/// shape: <c>{"action":..,"userId":..,"articleId":..,"algorithmCombine":..}</c>.
/// </summary>
public static class TrackingParameters
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The exposure of a whole page; <c>articleId</c> is the id list as the original printed it: "[1, 2, 3]".</summary>
    public static string Exposure(string userId, IEnumerable<long> articleIds, string algorithm)
        => Serialize("exposure", userId, "[" + string.Join(", ", articleIds) + "]", algorithm);

    public static Track Track(string userId, long articleId, string algorithm)
    {
        var id = articleId.ToString(CultureInfo.InvariantCulture);
        return new Track
        {
            Click = Serialize("click", userId, id, algorithm),
            Collect = Serialize("collect", userId, id, algorithm),
            Share = Serialize("share", userId, id, algorithm),
            Read = Serialize("read", userId, id, algorithm),
        };
    }

    private static string Serialize(string action, string userId, string articleId, string algorithm)
        => JsonSerializer.Serialize(new Payload(action, userId, articleId, algorithm), Json);

    private sealed record Payload(
        [property: JsonPropertyName("action")] string Action,
        [property: JsonPropertyName("userId")] string UserId,
        [property: JsonPropertyName("articleId")] string ArticleId,
        [property: JsonPropertyName("algorithmCombine")] string AlgorithmCombine);
}
