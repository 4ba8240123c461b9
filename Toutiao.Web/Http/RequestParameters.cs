using System.Globalization;

namespace Toutiao.Web.Http;

/// <summary>
/// Strict parsing of query, route and JSON body values. Anything missing, non-numeric or out of range is a
/// 400 whose message names the parameter, never a binding exception or a 500.
/// </summary>
public static class RequestParameters
{
    public static long RequiredInt64(string? value, string name, long min, long max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw ApiException.BadRequest($"{name} is required.");
        }

        return ParseInt64(value, name, min, max);
    }

    /// <summary>An id in a JSON body, as a number or a string of digits (the app sends both); required.</summary>
    public static long RequiredInt64(System.Text.Json.JsonElement body, string name, long min, long max)
        => RequiredInt64(
            body.ValueKind == System.Text.Json.JsonValueKind.Object && body.TryGetProperty(name, out var value)
            && value.ValueKind is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.String
                ? value.ToString()
                : null,
            name, min, max);

    public static long OptionalInt64(string? value, string name, long min, long max, long fallback)
        => string.IsNullOrWhiteSpace(value) ? fallback : ParseInt64(value, name, min, max);

    public static bool OptionalBoolean(string? value, string name, bool fallback)
        => value?.Trim().ToLowerInvariant() switch
        {
            null or "" => fallback,
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw ApiException.BadRequest($"{name} must be true or false."),
        };

    private static long ParseInt64(string value, string name, long min, long max)
    {
        if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            throw ApiException.BadRequest($"{name} must be an integer.");
        }

        if (number < min || number > max)
        {
            throw ApiException.BadRequest(max == long.MaxValue
                ? $"{name} must be at least {min}."
                : $"{name} must be between {min} and {max}.");
        }

        return number;
    }
}
