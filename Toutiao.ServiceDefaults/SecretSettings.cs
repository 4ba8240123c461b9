using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Refuses to start, outside Development, with keys that cannot be secret: a placeholder from the
/// deployment files (<c>&lt;...&gt;</c>), the Development key the repository publishes, or a key of
/// fewer than 256 bits (32 bytes) of estimated entropy; and with connection strings that still hold
/// placeholders. Anyone who read the repository could otherwise sign tokens for any reader.
/// </summary>
public static class SecretSettings
{
    /// <summary>What a signing key must carry at least: HS256's own key size.</summary>
    public const int MinimumKeyBits = 256;

    private const string Advice = "generate one with `openssl rand -base64 48`";

    /// <summary>
    /// The sentence that names the first setting refused, or null when every one may be used.
    /// Development accepts anything: its keys are the repository's on purpose.
    /// </summary>
    public static string? Refusal(IHostApplicationBuilder builder, params string[] signingKeys)
    {
        if (builder.Environment.IsDevelopment())
        {
            return null;
        }

        var development = new ConfigurationBuilder()
            .SetBasePath(builder.Environment.ContentRootPath)
            .AddJsonFile("appsettings.Development.json", optional: true)
            .Build();
        foreach (var key in signingKeys)
        {
            if (KeyRefusal(key, builder.Configuration[key], development[key]) is { } refusal)
            {
                return refusal;
            }
        }

        return builder.Configuration.GetSection("ConnectionStrings").GetChildren()
            .Where(c => HasPlaceholder(c.Value))
            .Select(c => $"ConnectionStrings:{c.Key} still holds a placeholder (<...>); set the real connection string.")
            .FirstOrDefault();
    }

    /// <summary>Why <paramref name="value"/> cannot be the signing key <paramref name="key"/>, or null when it can.</summary>
    public static string? KeyRefusal(string key, string? value, string? developmentValue)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{key} is not set; {Advice}.";
        }

        if (HasPlaceholder(value))
        {
            return $"{key} still holds a placeholder (<...>); {Advice}.";
        }

        if (value == developmentValue)
        {
            return $"{key} is the Development key published in the repository; {Advice}.";
        }

        var bits = EstimatedBits(value);
        return bits < MinimumKeyBits
            ? $"{key} carries about {bits:F0} bits of entropy, fewer than {MinimumKeyBits} (32 bytes); {Advice}."
            : null;
    }

    private static bool HasPlaceholder(string? value) => value is not null && (value.Contains('<') || value.Contains('>'));

    /// <summary>
    /// An upper estimate of a key's entropy: its length times the bits of the character classes it
    /// draws from (a base64 key of 32 random bytes: 44 × 6.6 ≈ 289). A key whose characters repeat
    /// like a pattern (under 3 bits each by their observed frequencies; random base64 has ~5) counts
    /// only those observed bits, so <c>aaaa…</c> or <c>abab…</c> is short however long it is.
    /// </summary>
    public static double EstimatedBits(string value)
    {
        var alphabet = (value.Any(char.IsAsciiLetterLower) ? 26 : 0)
            + (value.Any(char.IsAsciiLetterUpper) ? 26 : 0)
            + (value.Any(char.IsAsciiDigit) ? 10 : 0)
            + (value.Any(c => char.IsAscii(c) && !char.IsAsciiLetterOrDigit(c)) ? 33 : 0)
            + (value.Any(c => !char.IsAscii(c)) ? 128 : 0);
        var observed = value.GroupBy(c => c)
            .Sum(g => -(double)g.Count() / value.Length * Math.Log2((double)g.Count() / value.Length));
        return value.Length * (observed < 3 ? observed : Math.Log2(alphabet));
    }
}
