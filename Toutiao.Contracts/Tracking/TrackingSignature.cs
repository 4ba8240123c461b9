using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Toutiao.Contracts.Tracking;

/// <summary>
/// Signs the tracking strings Reco issues and verifies those the app reports back. The signature is
/// the last field, <c>"sig"</c>: the HMAC-SHA256 (base64url) of the string's exact text before it,
/// so verifying needs no canonical form and no field can change without breaking it.
/// </summary>
public sealed class TrackingSignature
{
    private const string Field = ",\"sig\":\"";
    private const int MacLength = 32;

    // HMACSHA256.HashData sets up a new native HMAC context per call; a page signs 41 strings, and
    // a context kept per thread and reset after each hash takes under half the time.
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public TrackingSignature(IOptions<TrackingOptions> options)
    {
        var key = Encoding.UTF8.GetBytes(options.Value.SigningKey);
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
    }

    /// <summary>Closes an unsigned JSON object (<paramref name="unsignedObject"/> without its final '}') with its signature.</summary>
    public string Sign(string unsignedObject)
    {
        Span<byte> mac = stackalloc byte[MacLength];
        Mac(unsignedObject, mac);
        return string.Concat(unsignedObject, Field, Base64Url.EncodeToString(mac), "\"}");
    }

    /// <summary>
    /// The signed object with its signature field removed (a JSON object again), or null when
    /// <paramref name="signed"/> carries no signature or one this key did not make.
    /// </summary>
    public string? Verify(string signed)
    {
        var at = signed.LastIndexOf(Field, StringComparison.Ordinal);
        if (at < 0 || !signed.EndsWith("\"}", StringComparison.Ordinal))
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

        var unsignedObject = signed[..at];
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(unsignedObject, expected);
        return CryptographicOperations.FixedTimeEquals(expected, claimed[..MacLength]) ? unsignedObject + "}" : null;
    }

    private void Mac(string text, Span<byte> destination)
    {
        var bytes = Encoding.UTF8.GetByteCount(text) <= 512 ? stackalloc byte[512] : new byte[Encoding.UTF8.GetByteCount(text)];
        var length = Encoding.UTF8.GetBytes(text, bytes);
        var hmac = _hmac.Value!;
        hmac.AppendData(bytes[..length]);
        hmac.GetHashAndReset(destination);
    }
}
