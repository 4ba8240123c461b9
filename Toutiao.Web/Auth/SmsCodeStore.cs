using System.Security.Cryptography;
using StackExchange.Redis;

namespace Toutiao.Web.Auth;

/// <summary>
/// Login codes in Redis: <c>sms:{m:mobile}:code</c> (5 minutes) and <c>sms:{m:mobile}:tries</c>,
/// the wrong tries against it. A wrong try leaves the code pending, so a typo does not cost the
/// reader a new SMS; after <see cref="MaxWrongTries"/> wrong tries the code is deleted, which keeps
/// guessing to a handful of tries out of a million per code.
/// </summary>
public sealed class SmsCodeStore(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);
    public const int MaxWrongTries = 5;

    /// <summary>KEYS: code, tries. ARGV: the code tried, max wrong tries, lifetime in seconds. Returns 1 accepted, 0 wrong, -1 locked.</summary>
    private const string CheckScript = """
        local stored = redis.call('GET', KEYS[1])
        if not stored then return 0 end
        if stored == ARGV[1] then
          redis.call('DEL', KEYS[1], KEYS[2])
          return 1
        end
        local tries = redis.call('INCR', KEYS[2])
        redis.call('EXPIRE', KEYS[2], ARGV[3])
        if tries >= tonumber(ARGV[2]) then
          redis.call('DEL', KEYS[1], KEYS[2])
          return -1
        end
        return 0
        """;

    // One hash tag per mobile: both keys live in one Redis Cluster slot, as the script needs.
    private static RedisKey CodeKey(string mobile) => $"sms:{{m:{mobile}}}:code";

    private static RedisKey TriesKey(string mobile) => $"sms:{{m:{mobile}}}:tries";

    public async Task<string> IssueAsync(string mobile)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var transaction = redis.GetDatabase().CreateTransaction();
        _ = transaction.StringSetAsync(CodeKey(mobile), code, Lifetime);
        _ = transaction.KeyDeleteAsync(TriesKey(mobile));
        await transaction.ExecuteAsync();
        return code;
    }

    public async Task<CodeCheck> CheckAsync(string mobile, string code)
    {
        var result = (int)await redis.GetDatabase().ScriptEvaluateAsync(CheckScript,
            [CodeKey(mobile), TriesKey(mobile)], [code, MaxWrongTries, (long)Lifetime.TotalSeconds]);
        return result switch
        {
            1 => CodeCheck.Accepted,
            -1 => CodeCheck.Locked,
            _ => CodeCheck.Wrong,
        };
    }
}
