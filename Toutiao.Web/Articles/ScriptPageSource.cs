using StackExchange.Redis;
using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Articles;

/// <summary>
/// One Redis server: the whole page in one round trip, by a Lua script that reads the pinned ids,
/// every info, each article's counters and the authors' profiles at once (authors are only known after
/// the infos are read, which a plain pipeline cannot do).
/// </summary>
/// <remarks>
/// The script names no key of its own: the pinned set comes in KEYS, and the prefixes and suffixes
/// of the per-id keys in ARGV, from <see cref="ArticleCacheKeys"/> and <see cref="ArticleCounters"/>.
/// The info, counter and profile keys of ids read inside the script cannot be declared up front,
/// which is why a cluster does not run it (<see cref="ClusterPageSource"/>).
/// </remarks>
internal sealed class ScriptPageSource(IConnectionMultiplexer redis, ILogger logger) : RedisPageSource(logger)
{
    // KEYS[1] = the pinned set, if asked for.
    // ARGV[1..6] = info key prefix and suffix, profile key prefix and suffix, counter bucket key prefix
    // and bucket size; ARGV[7..] = article ids.
    // Returns { pinnedCount, ids, infos, counts, countsLoaded, profileKeys, profiles }: counts are each
    // id's field of its counter bucket ('' without one), countsLoaded 1 where the bucket is loaded.
    private static readonly LuaScript PageScript = LuaScript.Prepare(
        """
        local ids = {}
        if #KEYS == 1 then ids = redis.call('ZREVRANGE', KEYS[1], 0, -1) end
        local pinned = #ids
        for i = 7, #ARGV do ids[#ids + 1] = ARGV[i] end
        if #ids == 0 then return { 0, {}, {}, {}, {}, {}, {} } end
        local infoPrefix, infoSuffix, profilePrefix, profileSuffix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local counterPrefix, bucketSize = ARGV[5], tonumber(ARGV[6])
        local infoKeys = {}
        for i, id in ipairs(ids) do infoKeys[i] = infoPrefix .. id .. infoSuffix end
        local infos = redis.call('MGET', unpack(infoKeys))
        local counts, loaded = {}, {}
        for i, id in ipairs(ids) do
          local got = redis.call('HMGET', counterPrefix .. string.format('%d', math.floor(tonumber(id) / bucketSize)), '_', id)
          loaded[i] = got[1] and 1 or 0
          counts[i] = got[2] or ''
        end
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
        return { pinned, ids, infos, counts, loaded, profileKeys, profiles }
        """);

    private static readonly RedisValue[] KeyParts =
        [ArticleCacheKeys.InfoPrefix, ArticleCacheKeys.InfoSuffix, ArticleCacheKeys.ProfilePrefix, ArticleCacheKeys.ProfileSuffix, ArticleCounters.KeyPrefix, ArticleCounters.BucketSize];

    public override async Task<CachedEntries> ReadAsync(IReadOnlyList<long> articleIds, int? pinnedOfChannel)
    {
        RedisKey[] keys = pinnedOfChannel is { } channel ? [ArticleCacheKeys.Top(channel)] : [];
        var arguments = new RedisValue[KeyParts.Length + articleIds.Count];
        KeyParts.CopyTo(arguments, 0);
        for (var i = 0; i < articleIds.Count; i++)
        {
            arguments[KeyParts.Length + i] = articleIds[i];
        }

        var reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(PageScript.ExecutableScript, keys, arguments))!;
        var ids = ((RedisValue[])reply[1]!).Select(v => (long)v).ToArray();
        var (counts, countMisses) = Counts(ids, (RedisValue[])reply[3]!, (RedisValue[])reply[4]!);
        var (articles, misses) = ParseInfos(ids, (RedisValue[])reply[2]!);
        var authorIds = Array.ConvertAll((RedisValue[])reply[5]!, key => ArticleCacheKeys.ProfileOwner(key!));
        return new CachedEntries((int)reply[0], ids, counts, articles, misses, ParseProfiles(authorIds, (RedisValue[])reply[6]!), countMisses);
    }

    private static (long[][] Counts, List<long> Misses) Counts(long[] ids, RedisValue[] values, RedisValue[] loaded)
    {
        var counts = NoCounts(ids.Length);
        var misses = new List<long>();
        for (var i = 0; i < ids.Length; i++)
        {
            if ((long)loaded[i] == 0)
            {
                misses.Add(ids[i]);
            }
            else
            {
                SetCounts(counts, i, ArticleCounters.Parse(values[i]));
            }
        }

        return (counts, misses);
    }
}
