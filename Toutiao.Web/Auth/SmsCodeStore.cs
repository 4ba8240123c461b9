using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Web.Http;

namespace Toutiao.Web.Auth;

/// <summary>
/// Login codes in Redis: <c>sms:{m:mobile}:code</c> (5 minutes) and <c>sms:{m:mobile}:tries</c>,
/// the number's wrong tries in a window of <see cref="WrongTriesWindow"/> from the first. A wrong
/// try leaves the code pending, so a typo does not cost the reader a new SMS. The
/// <see cref="MaxWrongTries"/>th deletes the code and locks the number until the window ends: a new
/// code does not reset the count, so guessing stays at a handful of tries out of a million per hour
/// however many codes are requested.
/// </summary>
public sealed class SmsCodeStore(IConnectionMultiplexer redis, SharedRateLimiter limiter, IOptions<RateLimitOptions> limits)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan WrongTriesWindow = TimeSpan.FromHours(1);
    public const int MaxWrongTries = 5;

    /// <summary>
    /// KEYS: code, tries. ARGV: the code tried, max wrong tries, the window in seconds.
    /// Returns 1 accepted, 0 wrong, or minus the seconds the number stays locked.
    /// </summary>
    private const string CheckScript = """
        local tries = tonumber(redis.call('GET', KEYS[2]) or '0')
        if tries >= tonumber(ARGV[2]) then
          return -math.max(1, redis.call('TTL', KEYS[2]))
        end
        local stored = redis.call('GET', KEYS[1])
        if stored and stored == ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1
        end
        tries = redis.call('INCR', KEYS[2])
        if tries == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
        if tries >= tonumber(ARGV[2]) then
          redis.call('DEL', KEYS[1])
          return -math.max(1, redis.call('TTL', KEYS[2]))
        end
        return 0
        """;

    // One hash tag per mobile: both keys live in one Redis Cluster slot, as the script needs.
    private static RedisKey CodeKey(string mobile) => $"sms:{{m:{mobile}}}:code";

    private static RedisKey TriesKey(string mobile) => $"sms:{{m:{mobile}}}:tries";

    /// <summary>A new code for the number, within <see cref="RateLimitOptions.CodesPerMobile"/> per window across replicas (429 beyond).</summary>
    public async Task<string> IssueAsync(string mobile)
    {
        var perMobile = new SharedRateLimit($"codes:mobile:{mobile}", limits.Value.CodesPerMobile, limits.Value.CodesPerMobileWindow);
        if (await limiter.TryTakeAsync([perMobile], cost: 1) is { } retryAfter)
        {
            throw ApiException.TooManyRequests(retryAfter);
        }

        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        await redis.GetDatabase().StringSetAsync(CodeKey(mobile), code, Lifetime);
        return code;
    }

    /// <summary>Checks a code; <c>LockedFor</c> is how long the number stays locked when <see cref="CodeCheck.Locked"/>.</summary>
    public async Task<(CodeCheck Check, TimeSpan LockedFor)> CheckAsync(string mobile, string code)
    {
        var result = (long)await redis.GetDatabase().ScriptEvaluateAsync(CheckScript,
            [CodeKey(mobile), TriesKey(mobile)], [code, MaxWrongTries, (long)WrongTriesWindow.TotalSeconds]);
        return result switch
        {
            1 => (CodeCheck.Accepted, TimeSpan.Zero),
            0 => (CodeCheck.Wrong, TimeSpan.Zero),
            _ => (CodeCheck.Locked, TimeSpan.FromSeconds(-result)),
        };
    }
}
