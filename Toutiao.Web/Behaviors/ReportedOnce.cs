using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Storage;
using Toutiao.Contracts.Tracking;
using Toutiao.Web.Auth;

namespace Toutiao.Web.Behaviors;

/// <summary>
/// A report counts once per (reader, article, action): the first of a replayed tracking string
/// goes to the log, the copies do not. The reader is the signed-in user, the <c>Anony</c> id, or for
/// a reader with neither the client address. An <c>Anony</c> id is anyone's to invent, so for a
/// reader without sign-in a behaviour also raises the article's counts and hotness only once per
/// client address (<see cref="ReportedBehavior.Counted"/>): walking the feed with fresh ids moves
/// nothing but those readers' own profiles. What was reported is kept in the state Redis as long as
/// a tracking string may be reported (<see cref="TrackingOptions.MaxAge"/>): <c>beh:{&lt;reader&gt;}:reported</c>,
/// a sorted set of <c>action:article</c> by time, trimmed as it is used. Each behaviour also gets a
/// once-key (<see cref="OnceKey"/>) so the consumer checks again.
/// </summary>
public sealed class ReportedOnce(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.State)] StorageGuard guard,
    IOptions<TrackingOptions> options)
{
    private static readonly LuaScript MarkScript = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local maxAge = tonumber(@maxAge)
        redis.call('ZREMRANGEBYSCORE', @key, '-inf', now - maxAge)
        local fresh = {}
        for member in string.gmatch(@members, '[^,]+') do
          fresh[#fresh + 1] = redis.call('ZADD', @key, 'NX', now, member)
        end
        redis.call('PEXPIRE', @key, maxAge)
        return fresh
        """);

    /// <summary>Whose reports are told apart: <c>u:&lt;user id&gt;</c>, <c>anony:&lt;id&gt;</c> or <c>c:&lt;client address&gt;</c>.</summary>
    public static string Identity(Reader reader, string clientAddress)
        => reader.UserId is { } id ? "u:" + id.ToString(CultureInfo.InvariantCulture)
            : reader.RecoUserId.Length > 0 ? reader.RecoUserId : ClientIdentity(clientAddress);

    private static string ClientIdentity(string clientAddress) => "c:" + clientAddress;

    /// <summary>The key the consumer records to apply a behaviour once: a digest of who, what and which article, 34 ASCII characters.</summary>
    public static string OnceKey(string identity, string action, long articleId)
        => "o:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes($"{identity}|{action}|{articleId.ToString(CultureInfo.InvariantCulture)}")))[..32]
            .Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The behaviours this reader did not report before (nor twice in this report), each with its
    /// once-key and whether it counts for the article: one round trip (a script per key, pipelined).
    /// </summary>
    public Task<IReadOnlyList<ReportedBehavior>> FreshAsync(Reader reader, string clientAddress, IReadOnlyList<ReportedBehavior> behaviors)
        => guard.RunAsync(() => FreshUnguardedAsync(reader, clientAddress, behaviors), CancellationToken.None);

    private async Task<IReadOnlyList<ReportedBehavior>> FreshUnguardedAsync(Reader reader, string clientAddress, IReadOnlyList<ReportedBehavior> behaviors)
    {
        var (identity, client) = Identities(reader, clientAddress);
        var members = string.Join(',', behaviors.Select(Member));
        var batch = redis.GetDatabase().CreateBatch();
        var byReader = Mark(batch, identity, members);
        var byClient = client is null ? null : Mark(batch, client, members);
        batch.Execute();
        var fresh = Marked(await byReader);
        var counted = byClient is null ? fresh : Marked(await byClient);
        return [.. behaviors.Select((b, i) => (b, i)).Where(x => fresh[x.i])
            .Select(x => x.b with { Once = OnceKey(identity, x.b.Action, x.b.ArticleId), Counted = counted[x.i] })];
    }

    /// <summary>
    /// Takes back <see cref="FreshAsync"/>'s marks when the behaviours could not be logged, so the
    /// app's retry counts. Sent without waiting: a frozen server runs it after the append it may yet
    /// run (commands on one connection keep their order), and the consumer's once-keys keep a
    /// behaviour appended twice from counting twice; waiting would hold the 503 for Redis' timeout.
    /// </summary>
    public void Forget(Reader reader, string clientAddress, IReadOnlyList<ReportedBehavior> behaviors)
    {
        var (identity, client) = Identities(reader, clientAddress);
        var batch = redis.GetDatabase().CreateBatch();
        batch.SortedSetRemoveAsync(Key(identity), [.. behaviors.Select(b => (RedisValue)Member(b))], CommandFlags.FireAndForget);
        if (client is not null)
        {
            batch.SortedSetRemoveAsync(Key(client), [.. behaviors.Where(b => b.Counted).Select(b => (RedisValue)Member(b))], CommandFlags.FireAndForget);
        }

        batch.Execute();
    }

    /// <summary>The reader's set, and the client's as well for a reader without sign-in (unless the reader is the client): signed-in readers count as themselves.</summary>
    private static (string Identity, string? Client) Identities(Reader reader, string clientAddress)
    {
        var identity = Identity(reader, clientAddress);
        var client = ClientIdentity(clientAddress);
        return (identity, reader.UserId is null && identity != client ? client : null);
    }

    private Task<RedisResult> Mark(IBatch batch, string identity, string members)
        => batch.ScriptEvaluateAsync(MarkScript, new { key = Key(identity), maxAge = (long)options.Value.MaxAge.TotalMilliseconds, members });

    private static bool[] Marked(RedisResult result) => [.. ((RedisResult[])result!).Select(r => (long)r == 1)];

    private static RedisKey Key(string identity) => $"beh:{{{identity}}}:reported";

    private static string Member(ReportedBehavior behavior) => $"{behavior.Action}:{behavior.ArticleId.ToString(CultureInfo.InvariantCulture)}";
}
