using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Readers;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Profiles;

/// <summary>One signal for a reader's profile: an action on an article of a channel at a time (Unix ms).</summary>
public readonly record struct ProfileSignal(string UserId, int ChannelId, double Weight, long AtMs);

/// <summary>
/// Readers' profiles in Redis: <c>reco:{u:user}:profile</c>, a hash of channel id → weight plus
/// <c>at</c>, the time the weights were last decayed to. Beside the reader's history (same hash
/// tag, same server: the cache for anonymous readers, the server that never evicts for the
/// others), kept as long as it and trimmed to the strongest <see cref="RecommendationOptions.ProfileChannelsKept"/>.
/// </summary>
public sealed class ReaderProfileStore(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    IOptions<RecommendationOptions> options)
{
    private const string DecayedAt = "at";

    public static string Key(string userId) => $"reco:{{u:{userId}}}:profile";

    /// <summary>
    /// Decays the weights to the newest of the stored and the given times (half-life ARGV[2]),
    /// adds the signals (a late one decayed to that time as well), drops weights at or below
    /// zero, keeps the strongest ARGV[4] and renews the expiry: one reader, one atomic step.
    /// KEYS: profile. ARGV: now ms, half-life ms, retention s, channels kept, then channel, weight,
    /// at ms for each signal.
    /// </summary>
    private const string ApplyScript = """
        local key = KEYS[1]
        local now, halfLife, kept = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[4])
        local stored = redis.call('HGETALL', key)
        local weights, at = {}, now
        -- A damaged field (not a channel id, not a number) is dropped, never fatal.
        for i = 1, #stored, 2 do
          local value = tonumber(stored[i + 1])
          if stored[i] == 'at' then at = value or now
          elseif value and string.match(stored[i], '^%d+$') then weights[stored[i]] = value end
        end
        local to = math.max(now, at)
        local factor = 0.5 ^ ((to - at) / halfLife)
        for channel, weight in pairs(weights) do weights[channel] = weight * factor end
        for i = 5, #ARGV, 3 do
          local channel = ARGV[i]
          weights[channel] = (weights[channel] or 0) + tonumber(ARGV[i + 1]) * 0.5 ^ ((to - tonumber(ARGV[i + 2])) / halfLife)
        end
        local strongest = {}
        for channel, weight in pairs(weights) do
          if weight > 0.001 then strongest[#strongest + 1] = { channel, weight } end
        end
        table.sort(strongest, function(a, b) return a[2] > b[2] end)
        redis.call('DEL', key)
        if #strongest == 0 then return 0 end
        local fields = { 'at', to }
        for i = 1, math.min(#strongest, kept) do
          fields[#fields + 1] = strongest[i][1]
          fields[#fields + 1] = string.format('%.6f', strongest[i][2])
        end
        redis.call('HSET', key, unpack(fields))
        redis.call('EXPIRE', key, ARGV[3])
        return #fields / 2 - 1
        """;

    private IDatabase Database(string userId) => (AnonymousReaders.IsAnonymous(userId) ? cache : redis).GetDatabase();

    /// <summary>The reader's profile as last decayed (the decay since only scales every weight alike, which shares do not see).</summary>
    public async Task<ReaderProfile> GetAsync(string userId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var fields = await Database(userId).HashGetAllAsync(Key(userId));
        return Parse(fields.Select(f => ((string?)f.Name, (string?)f.Value)));
    }

    /// <summary>A profile from its hash's fields; what is not a channel and a positive weight is passed over, so a damaged field costs only itself.</summary>
    public static ReaderProfile Parse(IEnumerable<(string? Name, string? Value)> fields)
    {
        var weights = new Dictionary<int, double>();
        foreach (var (name, value) in fields)
        {
            if (name != DecayedAt && int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var channel)
                && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) && weight > 0)
            {
                weights[channel] = weight;
            }
        }

        return weights.Count == 0 ? ReaderProfile.Empty : new ReaderProfile(weights);
    }

    /// <summary>Adds <paramref name="signals"/> to their readers' profiles: one script per reader, one round trip per Redis server.</summary>
    public async Task ApplyAsync(IReadOnlyCollection<ProfileSignal> signals, long nowMs)
    {
        var settings = options.Value;
        var halfLifeMs = settings.ProfileHalfLife.TotalMilliseconds;
        var writes = new List<Task>();
        foreach (var server in signals.Where(s => s.UserId.Length > 0 && s.Weight != 0).GroupBy(s => AnonymousReaders.IsAnonymous(s.UserId)))
        {
            var retention = server.Key ? settings.AnonymousHistoryRetention : settings.HistoryRetention;
            var batch = Database(server.First().UserId).CreateBatch();
            foreach (var reader in server.GroupBy(s => s.UserId))
            {
                var arguments = new List<RedisValue> { nowMs, halfLifeMs, (long)retention.TotalSeconds, settings.ProfileChannelsKept };
                foreach (var signal in reader)
                {
                    arguments.Add(signal.ChannelId);
                    arguments.Add(signal.Weight);
                    arguments.Add(signal.AtMs);
                }

                writes.Add(batch.ScriptEvaluateAsync(ApplyScript, [Key(reader.Key)], [.. arguments]));
            }

            batch.Execute();
        }

        await Task.WhenAll(writes);
    }
}
