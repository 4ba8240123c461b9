using StackExchange.Redis;

namespace Toutiao.Web.Articles;

/// <summary>
/// One Redis server: the whole page in one round trip, by a Lua script that reads the pinned ids,
/// every info, the four counters and the authors' profiles at once (authors are only known after
/// the infos are read, which a plain pipeline cannot do).
/// </summary>
/// <remarks>
/// The script names no key of its own: the counters and the pinned set come in KEYS, and the
/// prefixes and suffixes of the per-id keys in ARGV, all from <see cref="ArticleCacheKeys"/>.
/// The info and profile keys of ids read inside the script cannot be declared up front, which is
/// why a cluster does not run it (<see cref="ClusterPageSource"/>).
/// </remarks>
internal sealed class ScriptPageSource(IConnectionMultiplexer redis, ILogger logger) : RedisPageSource(logger)
{
    // KEYS[1..4] = the counters (comments, likes, collects, reads), KEYS[5] = the pinned set, if asked for.
    // ARGV[1..4] = info key prefix and suffix, profile key prefix and suffix; ARGV[5..] = article ids.
    // Returns { pinnedCount, ids, infos, comments, likes, collects, reads, profileKeys, profiles }.
    private static readonly LuaScript PageScript = LuaScript.Prepare(
        """
        local ids = {}
        if #KEYS == 5 then ids = redis.call('ZREVRANGE', KEYS[5], 0, -1) end
        local pinned = #ids
        for i = 5, #ARGV do ids[#ids + 1] = ARGV[i] end
        if #ids == 0 then return { 0, {}, {}, {}, {}, {}, {}, {}, {} } end
        local infoPrefix, infoSuffix, profilePrefix, profileSuffix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local infoKeys = {}
        for i, id in ipairs(ids) do infoKeys[i] = infoPrefix .. id .. infoSuffix end
        local infos = redis.call('MGET', unpack(infoKeys))
        local comments = redis.call('ZMSCORE', KEYS[1], unpack(ids))
        local likes = redis.call('ZMSCORE', KEYS[2], unpack(ids))
        local collects = redis.call('ZMSCORE', KEYS[3], unpack(ids))
        local reads = redis.call('ZMSCORE', KEYS[4], unpack(ids))
        local profileKeys, seen = {}, {}
        for i = 1, #ids do
          local info = infos[i]
          if info and info ~= '-1' then
            -- The author id by pattern, not cjson.decode: decoding every info was most of the script's time.
            local author = string.match(info, '"aut_id":(%d+)')
            if author then
              local key = profilePrefix .. author .. profileSuffix
              if not seen[key] then seen[key] = true; profileKeys[#profileKeys + 1] = key end
            end
          end
        end
        local profiles = {}
        if #profileKeys > 0 then profiles = redis.call('MGET', unpack(profileKeys)) end
        return { pinned, ids, infos, comments, likes, collects, reads, profileKeys, profiles }
        """);

    private static readonly RedisKey[] CountKeys = Array.ConvertAll(ArticleCacheKeys.AllCounts, key => (RedisKey)key);

    private static readonly RedisValue[] KeyParts =
        [ArticleCacheKeys.InfoPrefix, ArticleCacheKeys.InfoSuffix, ArticleCacheKeys.ProfilePrefix, ArticleCacheKeys.ProfileSuffix];

    public override async Task<CachedEntries> ReadAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        var keys = pinnedOfChannel is { } channel ? [.. CountKeys, ArticleCacheKeys.Top(channel)] : CountKeys;
        var arguments = new RedisValue[KeyParts.Length + articleIds.Count];
        KeyParts.CopyTo(arguments, 0);
        for (var i = 0; i < articleIds.Count; i++)
        {
            arguments[KeyParts.Length + i] = articleIds[i];
        }

        var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(PageScript.ExecutableScript, keys, arguments))!;
        var ids = ((RedisValue[])reply[1]!).Select(v => (long)v).ToArray();
        var counts = Enumerable.Range(3, 4).Select(i => Array.ConvertAll((RedisValue[])reply[i]!, Count)).ToArray();
        var (articles, misses) = ParseInfos(ids, (RedisValue[])reply[2]!);
        var authorIds = Array.ConvertAll((RedisValue[])reply[7]!, key => ArticleCacheKeys.ProfileOwner(key!));
        return new CachedEntries((int)reply[0], ids, counts, articles, misses, ParseProfiles(authorIds, (RedisValue[])reply[8]!));
    }

    private static long Count(RedisValue score) => score.IsNull ? 0 : (long)(double)score;
}
