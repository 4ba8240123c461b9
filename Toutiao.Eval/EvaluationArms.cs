using System.Globalization;

/// <summary>
/// The evaluation's bucket map, <c>--Simulation:Buckets 0-9=profile,a-c=hot-new,d-f=random</c>:
/// hex digits or ranges of them, each an arm Reco knows (<c>Recommendation:Buckets</c>). The
/// simulator reads the same text (its <c>BucketMap</c>); here it becomes one Reco setting per digit.
/// </summary>
internal static class EvaluationArms
{
    /// <summary>Most readers personalised; two controls of three buckets each.</summary>
    public const string Default = "0-9=profile,a-c=hot-new,d-f=random";

    public static IReadOnlyDictionary<int, string> Parse(string text)
    {
        var buckets = new SortedDictionary<int, string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (digits, arm) = part.Split('=', StringSplitOptions.TrimEntries) is [var d, { Length: > 0 } a] ? (d, a)
                : throw new FormatException($"Simulation:Buckets: '{part}' is not <digits>=<arm> (e.g. 0-9=profile).");
            var (first, last) = digits.Split('-') is [var from, var to] ? (Digit(from), Digit(to)) : (Digit(digits), Digit(digits));
            for (var digit = first; digit <= last; digit++)
            {
                buckets[digit] = arm.ToLowerInvariant();
            }
        }

        return buckets;
    }

    public static string Format(IReadOnlyDictionary<int, string> buckets) => string.Join(',', buckets.Select(b => $"{b.Key:x}={b.Value}"));

    private static int Digit(string text)
        => text.Length == 1 && int.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var digit)
            ? digit
            : throw new FormatException($"Simulation:Buckets: '{text}' is not one hex digit (0-9, a-f).");
}
