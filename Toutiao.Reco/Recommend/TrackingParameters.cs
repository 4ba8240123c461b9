using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Toutiao.Contracts.Tracking;
using Toutiao.Reco.Grpc;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The behaviour-tracking JSON the app echoes back (<c>POST /v1_0/behaviors</c>), in the original
/// system's shape, <c>{"action":..,"userId":..,"articleId":..,"algorithmCombine":..}</c>, plus when
/// it was issued (<c>issuedAt</c>, Unix ms) and its signature (<c>sig</c>, <see cref="TrackingSignature"/>),
/// so Web accepts back only what Reco issued, to whom, and not forever. Written directly (41 strings
/// and 11 signatures a page): only the user id needs escaping, once a page, as System.Text.Json would.
/// </summary>
public sealed class TrackingParameters(TrackingSignature signature, TimeProvider clock)
{
    /// <summary>The exposure of a whole page; <c>articleId</c> is the id list as the original printed it: "[1, 2, 3]".</summary>
    public string Exposure(string userId, IEnumerable<long> articleIds, string algorithm)
        => signature.Sign("exposure", Fields(Escape(userId), "[" + string.Join(", ", articleIds) + "]", algorithm, IssuedAt()));

    /// <summary>The tracks of a page's articles, the user id escaped once.</summary>
    public IEnumerable<Track> Tracks(string userId, IEnumerable<long> articleIds, string algorithm)
        => Tracks(userId, articleIds, _ => algorithm);

    /// <summary>The tracks of a page's articles, each naming how it was recommended (its recall source, <paramref name="algorithmOf"/>).</summary>
    public IEnumerable<Track> Tracks(string userId, IEnumerable<long> articleIds, Func<long, string> algorithmOf)
    {
        var escaped = Escape(userId);
        var issuedAt = IssuedAt();
        return articleIds.Select(id => Track(escaped, id.ToString(CultureInfo.InvariantCulture), algorithmOf(id), issuedAt));
    }

    private static readonly string[] ArticleActions = ["click", "collect", "share", "read"];

    // One signature for the four: they differ only in the action, which the signature leaves out (TrackingSignature).
    private Track Track(string escapedUserId, string articleId, string algorithm, string issuedAt)
    {
        var signed = signature.Sign(ArticleActions, Fields(escapedUserId, articleId, algorithm, issuedAt));
        return new() { Click = signed[0], Collect = signed[1], Share = signed[2], Read = signed[3] };
    }

    private string IssuedAt() => clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Escape(string value) => JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    // The other values are fixed words, digits, the bucket's and the sources' names: nothing to escape.
    private static string Fields(string escapedUserId, string articleId, string algorithm, string issuedAt)
        => string.Concat(["\"userId\":\"", escapedUserId, "\",\"articleId\":\"", articleId, "\",\"algorithmCombine\":\"", algorithm, "\",\"issuedAt\":", issuedAt]);
}
