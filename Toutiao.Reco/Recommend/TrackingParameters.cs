using System.Globalization;
using System.Text.Json;
using System.Text.Encodings.Web;
using Toutiao.Reco.Grpc;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The behaviour-tracking JSON the app echoes back to the log pipeline, in the original system's
/// shape: <c>{"action":..,"userId":..,"articleId":..,"algorithmCombine":..}</c>. Written directly
/// (41 strings a page): only the user id needs escaping, once a page, as System.Text.Json would.
/// </summary>
public static class TrackingParameters
{
    /// <summary>The exposure of a whole page; <c>articleId</c> is the id list as the original printed it: "[1, 2, 3]".</summary>
    public static string Exposure(string userId, IEnumerable<long> articleIds, string algorithm)
        => Write("exposure", Escape(userId), "[" + string.Join(", ", articleIds) + "]", algorithm);

    /// <summary>The tracks of a page's articles, the user id escaped once.</summary>
    public static IEnumerable<Track> Tracks(string userId, IEnumerable<long> articleIds, string algorithm)
    {
        var escaped = Escape(userId);
        return articleIds.Select(id => Track(escaped, id.ToString(CultureInfo.InvariantCulture), algorithm));
    }

    private static Track Track(string escapedUserId, string articleId, string algorithm) => new()
    {
        Click = Write("click", escapedUserId, articleId, algorithm),
        Collect = Write("collect", escapedUserId, articleId, algorithm),
        Share = Write("share", escapedUserId, articleId, algorithm),
        Read = Write("read", escapedUserId, articleId, algorithm),
    };

    private static string Escape(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    // The other values are fixed words, digits and the bucket name: nothing to escape.
    private static string Write(string action, string escapedUserId, string articleId, string algorithm)
        => $$"""{"action":"{{action}}","userId":"{{escapedUserId}}","articleId":"{{articleId}}","algorithmCombine":"{{algorithm}}"}""";
}
