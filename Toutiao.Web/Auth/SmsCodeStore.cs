using System.Security.Cryptography;
using StackExchange.Redis;

namespace Toutiao.Web.Auth;

/// <summary>
/// Login codes in Redis (<c>sms:code:{mobile}</c>, 5 minutes). A code is consumed by the first
/// attempt, right or wrong, so it cannot be guessed by trying many times.
/// </summary>
public sealed class SmsCodeStore(IConnectionMultiplexer redis)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private static string Key(string mobile) => $"sms:code:{mobile}";

    public async Task<string> IssueAsync(string mobile)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        await redis.GetDatabase().StringSetAsync(Key(mobile), code, Lifetime);
        return code;
    }

    public async Task<bool> ConsumeAsync(string mobile, string code)
    {
        var stored = await redis.GetDatabase().StringGetDeleteAsync(Key(mobile));
        return !stored.IsNull && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes((string)stored!), System.Text.Encoding.ASCII.GetBytes(code));
    }
}
