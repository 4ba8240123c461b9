using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Toutiao.Simulator.Runs;

/// <summary>
/// Which arm each A/B bucket is in, the same map Reco is given (<c>Recommendation:Buckets</c>):
/// a reader's bucket is the first hex digit of md5 of their Reco user id (<c>anony:&lt;id&gt;</c>),
/// and a bucket not named is <see cref="DefaultArm"/>, as in Reco.
/// </summary>
public sealed class BucketMap
{
    public const string DefaultArm = "profile";

    private readonly string[] _arms;

    public BucketMap(IReadOnlyDictionary<int, string> buckets)
    {
        _arms = Enumerable.Repeat(DefaultArm, 16).ToArray();
        foreach (var (digit, arm) in buckets)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)digit, 15u, nameof(buckets));
            _arms[digit] = arm.Trim().ToLowerInvariant();
        }
    }

    /// <summary>The arms in the order of their first bucket.</summary>
    public IReadOnlyList<string> Arms => _arms.Distinct().ToList();

    public string ArmOf(int digit) => _arms[digit];

    public string ArmOfReader(string anonymousId) => _arms[Digit(RecoUserId(anonymousId))];

    /// <summary>How Reco sees a reader who sends <c>Authorization: Anony &lt;id&gt;</c>.</summary>
    public static string RecoUserId(string anonymousId) => "anony:" + anonymousId;

    /// <summary>The bucket: the first hex digit of md5(user id), as Reco computes it.</summary>
    public static int Digit(string userId) => MD5.HashData(Encoding.UTF8.GetBytes(userId))[0] >> 4;

    /// <summary>
    /// Parses <c>0-9=profile,a-c=hot-new,d-f=random</c>: single hex digits or ranges, comma-separated;
    /// buckets not named are <see cref="DefaultArm"/>.
    /// </summary>
    public static BucketMap Parse(string? text)
    {
        var buckets = new Dictionary<int, string>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=');
            if (equals <= 0 || equals == part.Length - 1)
            {
                throw new FormatException($"'{part}' is not <digits>=<arm> (e.g. 0-9=profile).");
            }

            var digits = part[..equals].Trim();
            var arm = part[(equals + 1)..].Trim();
            var (first, last) = digits.Split('-') switch
            {
                [var one] => (HexDigit(one), HexDigit(one)),
                [var from, var to] => (HexDigit(from), HexDigit(to)),
                _ => throw new FormatException($"'{digits}' is not a hex digit or a range of them."),
            };
            for (var digit = first; digit <= last; digit++)
            {
                buckets[digit] = arm;
            }
        }

        return new BucketMap(buckets);
    }

    /// <summary>The map as <see cref="Parse"/> reads it, one bucket a part.</summary>
    public override string ToString() => string.Join(',', _arms.Select((arm, digit) => $"{digit:x}={arm}"));

    private static int HexDigit(string text)
        => text.Trim() is { Length: 1 } digit && int.TryParse(digit, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not one hex digit (0-9, a-f).");
}
