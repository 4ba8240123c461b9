using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Tracking;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Web.Behaviors;

/// <summary>
/// Turns what the app posts to <c>/v1_0/behaviors</c> into behaviours worth logging: a
/// <c>{"param": "&lt;tracking string&gt;", "read_time": seconds}</c> object or a list of them. Only
/// strings signed by Reco (<see cref="TrackingSignature"/>), issued to the caller and not older than
/// <see cref="TrackingOptions.MaxAge"/> are accepted; anything else fails the whole report.
/// </summary>
public sealed class BehaviorReports(TrackingSignature signature, IOptions<TrackingOptions> options, TimeProvider clock)
{
    public const int MaxBatch = 50;
    public const int MaxParamLength = 1024;
    public const int MaxReadTimeSeconds = 24 * 60 * 60;

    /// <summary>What the app may report; exposures are logged by Web itself when it serves a page.</summary>
    private static readonly HashSet<string> ReportableActions = ["click", "collect", "share", "read"];

    private const string BodyShape = "The body must be {\"param\": \"<a tracking string from a feed page>\", \"read_time\": seconds} or a list of them.";

    public IReadOnlyList<ReportedBehavior> Read(JsonElement body, Reader reader)
    {
        switch (body.ValueKind)
        {
            case JsonValueKind.Object:
                return [ReadOne(body, reader, "")];
            case JsonValueKind.Array when body.GetArrayLength() is > 0 and <= MaxBatch:
                return body.EnumerateArray().Select((item, i) => ReadOne(item, reader, $"[{i}] ")).ToList();
            case JsonValueKind.Array:
                throw ApiException.BadRequest($"A list of behaviours must have 1 to {MaxBatch} items.");
            default:
                throw ApiException.BadRequest(BodyShape);
        }
    }

    /// <summary>False for a string JSON allows but .NET cannot hold (a lone surrogate escape).</summary>
    private static bool TryGetString(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
    }

    private ReportedBehavior ReadOne(JsonElement item, Reader reader, string at)
    {
        if (item.ValueKind != JsonValueKind.Object
            || !item.TryGetProperty("param", out var paramValue) || paramValue.ValueKind != JsonValueKind.String)
        {
            throw ApiException.BadRequest(at + BodyShape);
        }

        if (!TryGetString(paramValue, out var param) || param.Length is 0 or > MaxParamLength || !IsJsonObject(param))
        {
            throw ApiException.BadRequest($"{at}param must be a tracking string from a feed page.");
        }

        if (signature.Verify(param) is not { } signed)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, $"{at}param is not a tracking string this server issued.");
        }

        // Signed by Reco, so well formed: only what it says is checked from here on.
        using var fields = JsonDocument.Parse(signed);
        var root = fields.RootElement;
        var action = root.GetProperty("action").GetString()!;
        if (!ReportableActions.Contains(action))
        {
            throw ApiException.BadRequest($"{at}'{action}' is not reported by the app: only click, collect, share and read are.");
        }

        var userId = root.GetProperty("userId").GetString()!;
        if (userId != reader.RecoUserId)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, $"{at}param was issued to another reader.");
        }

        var issuedAt = root.GetProperty("issuedAt").GetInt64();
        var maxAge = options.Value.MaxAge;
        if (clock.GetUtcNow().ToUnixTimeMilliseconds() - issuedAt > (long)maxAge.TotalMilliseconds)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, $"{at}param has expired: it was issued more than {Describe(maxAge)} ago.");
        }

        // The signature leaves the action out (TrackingSignature): a page's exposure, whose articleId is a list, must not pass as a click.
        if (!long.TryParse(root.GetProperty("articleId").GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var articleId))
        {
            throw ApiException.BadRequest($"{at}param names no single article.");
        }

        return new ReportedBehavior(action, userId, articleId,
            root.GetProperty("algorithmCombine").GetString()!, issuedAt, action == "read" ? ReadTime(item, at) : null);
    }

    /// <summary>Seconds spent reading; absent or null when the app did not measure it.</summary>
    private static int? ReadTime(JsonElement item, string at)
    {
        if (!item.TryGetProperty("read_time", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var seconds) && seconds is >= 0 and <= MaxReadTimeSeconds)
        {
            return seconds;
        }

        throw ApiException.BadRequest($"{at}read_time must be whole seconds from 0 to {MaxReadTimeSeconds}.");
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(TimeSpan age) => age.TotalDays >= 1 && age.TotalDays % 1 == 0
        ? $"{age.TotalDays:0} day{(age.TotalDays == 1 ? "" : "s")}"
        : $"{age.TotalMinutes:0} minutes";
}
