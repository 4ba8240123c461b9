using System.Globalization;
using Microsoft.Extensions.Options;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// Which algorithm each A/B bucket gets (<see cref="RecommendationOptions.Buckets"/>): by default
/// every bucket the personalised one (<see cref="Profile"/>); any bucket may be set to
/// <see cref="HotNew"/>, the hot/new blend alone, or <see cref="Random"/>, as a control. A reader's arm decides their pages
/// and is the <c>algorithm</c> tag of the exposure and feedback metrics.
/// </summary>
public sealed class Experiments
{
    /// <summary>推荐 mixed by the reader's profile once there is one; the hot/new blend before.</summary>
    public const string Profile = "profile";

    /// <summary>The hot/new blend only, whatever the reader did.</summary>
    public const string HotNew = "hot-new";

    /// <summary>The channel's articles in a random order: the floor any ranking must beat (evaluation only: each page shuffles the channel).</summary>
    public const string Random = "random";

    public static readonly string[] Arms = [Profile, HotNew, Random];

    private readonly string[] _arms;

    public Experiments(IOptions<RecommendationOptions> options)
    {
        _arms = Enumerable.Repeat(Profile, 16).ToArray();
        foreach (var (bucket, arm) in options.Value.Buckets)
        {
            _arms[Bucket(bucket)!.Value] = Arms.First(a => string.Equals(a, arm, StringComparison.OrdinalIgnoreCase));
        }
    }

    public string ArmFor(string userId) => ArmFor(AlgorithmBucket.Digit(userId));

    /// <summary>The arm of bucket <paramref name="digit"/> (0..15).</summary>
    public string ArmFor(int digit) => _arms[digit];

    /// <summary>Whether every configured bucket is one hex digit and every arm a known one.</summary>
    public static bool AreValid(IReadOnlyDictionary<string, string> buckets)
        => buckets.All(b => Bucket(b.Key) is not null && Arms.Contains(b.Value, StringComparer.OrdinalIgnoreCase));

    private static int? Bucket(string key)
        => key.Length == 1 && int.TryParse(key, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var digit) ? digit : null;
}
