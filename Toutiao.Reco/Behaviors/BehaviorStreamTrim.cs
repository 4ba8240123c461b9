using StackExchange.Redis;

namespace Toutiao.Reco.Behaviors;

/// <summary>
/// Trims the behaviour stream by the consumer group's position, never by length alone: an entry
/// goes only once the group has applied it (acknowledged: before its oldest pending entry and
/// within what it was given), and only past the newest <c>keep</c> entries, which the click model's
/// training reads. Entries Reco has not applied (Reco away for hours) stay, however many there are.
/// One script (the stream is its only key), at most <c>maxRemoved</c> entries a call.
/// </summary>
public static class BehaviorStreamTrim
{
    // XINFO GROUPS gives the group's last-delivered-id, XPENDING its oldest pending entry. The cut
    // is the earlier of the first entry to keep by length and the first the group still needs;
    // XTRIM MINID removes what is before it.
    private const string Script = """
        local stream, group = KEYS[1], ARGV[1]
        local excess = math.min(redis.call('XLEN', stream) - tonumber(ARGV[2]), tonumber(ARGV[3]))
        if excess <= 0 then return 0 end
        local delivered
        for _, info in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
          local name, last
          for i = 1, #info, 2 do
            if info[i] == 'name' then name = info[i + 1] elseif info[i] == 'last-delivered-id' then last = info[i + 1] end
          end
          if name == group then delivered = last end
        end
        if not delivered then return 0 end
        local function parse(id)
          local ms, seq = string.match(id, '^(%d+)-(%d+)$')
          return tonumber(ms), tonumber(seq)
        end
        local needed
        local pending = redis.call('XPENDING', stream, group)
        if pending[1] > 0 then
          needed = pending[2]
        else
          local ms, seq = parse(delivered)
          needed = string.format('%.0f-%.0f', ms, seq + 1)
        end
        local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess + 1)
        local byLength = oldest[#oldest][1]
        local lm, ls = parse(byLength)
        local nm, ns = parse(needed)
        local cut = (lm < nm or (lm == nm and ls < ns)) and byLength or needed
        return redis.call('XTRIM', stream, 'MINID', cut)
        """;

    /// <summary>Removes applied entries beyond the newest <paramref name="keep"/>, at most <paramref name="maxRemoved"/>; returns how many.</summary>
    public static async Task<long> TrimAppliedAsync(IDatabase db, RedisKey stream, string group, long keep, int maxRemoved)
        => (long)await db.ScriptEvaluateAsync(Script, [stream], [group, keep, maxRemoved]);
}
