using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Toutiao.Web.Auth;

/// <summary>
/// Each sign-in is a family of refresh tokens in the state Redis: <c>auth:{f:&lt;family&gt;}</c>, a
/// hash of the current refresh token's id and the one it replaced, living as long as a refresh
/// token. A refresh rotates the token; an older one presented again means a copy exists, and the
/// whole family is revoked. Revoked families (signed out, or reused) are listed in
/// <c>auth:revoked</c> until their access tokens have expired, for <see cref="SessionGuard"/>.
/// </summary>
public sealed class SessionFamilies(IConnectionMultiplexer redis, IOptions<JwtOptions> options, TimeProvider clock)
{
    public static readonly RedisKey RevokedKey = "auth:revoked";

    /// <summary>KEYS: the family. ARGV: the presented token id, a new id, the lifetime in seconds.</summary>
    private const string RefreshScript = """
        local current = redis.call('HGET', KEYS[1], 'cur')
        if not current then return {'unknown'} end
        if ARGV[1] == current then
          redis.call('HSET', KEYS[1], 'prev', current, 'cur', ARGV[2])
          redis.call('EXPIRE', KEYS[1], ARGV[3])
          return {'rotated', ARGV[2]}
        end
        if ARGV[1] == redis.call('HGET', KEYS[1], 'prev') then return {'kept', current} end
        redis.call('DEL', KEYS[1])
        return {'reused'}
        """;

    // One hash tag per family: a Cluster-safe key of its own.
    private static RedisKey FamilyKey(string family) => $"auth:{{f:{family}}}";

    /// <summary>A new sign-in: its family and its first refresh token's id.</summary>
    public async Task<(string Family, string TokenId)> StartAsync()
    {
        var (family, tokenId) = (NewId(), NewId());
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var set = batch.HashSetAsync(FamilyKey(family), "cur", tokenId);
        var expire = batch.KeyExpireAsync(FamilyKey(family), options.Value.RefreshTokenLifetime);
        batch.Execute();
        await Task.WhenAll(set, expire);
        return (family, tokenId);
    }

    /// <summary>Presents refresh token <paramref name="tokenId"/> of <paramref name="family"/>; the id to issue when it is rotated or kept.</summary>
    public async Task<(RefreshCheck Check, string? TokenId)> RefreshAsync(string family, string tokenId)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(RefreshScript, [FamilyKey(family)],
            [tokenId, NewId(), (long)options.Value.RefreshTokenLifetime.TotalSeconds]))!;
        switch ((string)result[0]!)
        {
            case "rotated":
                return (RefreshCheck.Rotated, (string)result[1]!);
            case "kept":
                return (RefreshCheck.Kept, (string)result[1]!);
            case "reused":
                await ListRevokedAsync(family);
                return (RefreshCheck.Reused, null);
            default:
                return (RefreshCheck.Unknown, null);
        }
    }

    /// <summary>Signs a family out: its refresh tokens at once, its access tokens at the guard's next check.</summary>
    public async Task RevokeAsync(string family)
    {
        await redis.GetDatabase().KeyDeleteAsync(FamilyKey(family));
        await ListRevokedAsync(family);
    }

    /// <summary>The families revoked while their access tokens may still be unexpired.</summary>
    public async Task<HashSet<string>> RevokedAsync()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var members = await redis.GetDatabase().SortedSetRangeByScoreAsync(RevokedKey, now, double.PositiveInfinity);
        return members.Select(m => (string)m!).ToHashSet(StringComparer.Ordinal);
    }

    private async Task ListRevokedAsync(string family)
    {
        // Listed as long as an access token issued now lives; the list trims itself as it grows.
        var now = clock.GetUtcNow();
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var add = batch.SortedSetAddAsync(RevokedKey, family, (now + options.Value.AccessTokenLifetime).ToUnixTimeMilliseconds());
        var trim = batch.SortedSetRemoveRangeByScoreAsync(RevokedKey, double.NegativeInfinity, now.ToUnixTimeMilliseconds());
        batch.Execute();
        await Task.WhenAll(add, trim);
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}
