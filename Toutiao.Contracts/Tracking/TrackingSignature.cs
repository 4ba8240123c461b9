using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Toutiao.Contracts.Tracking;

/// <summary>
/// Signs the tracking strings Reco issues and verifies those the app reports back. A string is a
/// JSON object whose first field is <c>"action"</c> and whose last, <c>"sig"</c>, is the
/// HMAC-SHA256 (base64url) of the exact text between them, so verifying needs no canonical form and
/// no field but the action can change without breaking it.
/// </summary>
/// <remarks>
/// The action is left out so that an article's four strings (click, collect, share, read) share one
/// signature: a page signs 11 times instead of 41, the larger part of Reco's work on a fresh page.
/// Nothing is given away: whoever holds one of the four was issued the other three as well.
/// </remarks>
public sealed class TrackingSignature
{
    private const string ActionStart = "{\"action\":\"";
    private const string ActionEnd = "\",";
    private const string Field = ",\"sig\":\"";
    private const int MacLength = 32;
    private const int MaxActionLength = 16;

    // HMACSHA256.HashData sets up a new native HMAC context per call; a context kept per thread and
    // reset after each hash takes under half the time.
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public TrackingSignature(IOptions<TrackingOptions> options)
    {
        var key = Encoding.UTF8.GetBytes(options.Value.SigningKey);
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    /// <summary>
    /// The signed string of each action, all with the same <paramref name="fields"/>: the object's
    /// fields after the action, without braces or a trailing comma. Actions are plain words (a to z).
    /// </summary>
    public string[] Sign(ReadOnlySpan<string> actions, string fields)
    {
        Span<byte> mac = stackalloc byte[MacLength];
        Mac(fields, mac);
        var signature = Base64Url.EncodeToString(mac);
        var signed = new string[actions.Length];
        for (var i = 0; i < actions.Length; i++)
        {
            signed[i] = string.Concat([ActionStart, actions[i], ActionEnd, fields, Field, signature, "\"}"]);
        }

        return signed;
    }

    /// <summary>The signed string of one action (see <see cref="Sign(ReadOnlySpan{string}, string)"/>).</summary>
    public string Sign(string action, string fields) => Sign([action], fields)[0];

    /// <summary>
    /// The signed object with its signature field removed (a JSON object again), or null when
    /// <paramref name="signed"/> carries no signature or one this key did not make.
    /// </summary>
    public string? Verify(string signed)
    {
        var at = signed.LastIndexOf(Field, StringComparison.Ordinal);
        if (at < 0 || !signed.EndsWith("\"}", StringComparison.Ordinal) || !signed.StartsWith(ActionStart, StringComparison.Ordinal))
        {
            return null;
        }

        // The action is not signed, so it must be what Sign writes, a plain word: anything else
        // there (another "action" field, an escape) would be read instead of what was signed.
        var actionEnd = signed.IndexOf(ActionEnd, ActionStart.Length, StringComparison.Ordinal);
        if (actionEnd < 0 || actionEnd + ActionEnd.Length > at || actionEnd == ActionStart.Length || actionEnd - ActionStart.Length > MaxActionLength
            || signed.AsSpan(ActionStart.Length, actionEnd - ActionStart.Length).IndexOfAnyExceptInRange('a', 'z') >= 0)
        {
            return null;
        }

        var encoded = signed.AsSpan(at + Field.Length, signed.Length - at - Field.Length - 2);
        Span<byte> claimed = stackalloc byte[MacLength + 2];
        if (!Base64Url.IsValid(encoded, out var length) || length != MacLength
            || !Base64Url.TryDecodeFromChars(encoded, claimed, out var written) || written != MacLength)
        {
            return null;
        }

        var fieldsStart = actionEnd + ActionEnd.Length;
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(signed.AsSpan(fieldsStart, at - fieldsStart), expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, claimed[..MacLength]))
        {
            // Strings issued before 2026-12-07 signed the action too; they expire within a MaxAge of that.
            Mac(signed.AsSpan(0, at), expected);
            if (!CryptographicOperations.FixedTimeEquals(expected, claimed[..MacLength]))
            {
                return null;
            }
        }

        return string.Concat(signed.AsSpan(0, at), "}");
    }

    private void Mac(ReadOnlySpan<char> text, Span<byte> destination)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        var bytes = byteCount <= 512 ? stackalloc byte[512] : new byte[byteCount];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        var hmac = _hmac.Value!;
        hmac.AppendData(bytes[..length]);
        hmac.GetHashAndReset(destination);
    }
}
