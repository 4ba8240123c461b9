using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Contracts.Readers;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Profiles;

/// <summary>
/// One signal for a reader's profile: an action on an article of a channel (0: none, as for a
/// follow), by an author (0: unknown), with keywords (each weighs the signal by its own weight),
/// at a time (Unix ms).
/// </summary>
public readonly record struct ProfileSignal(string UserId, int ChannelId, double Weight, long AtMs, long AuthorId = 0, IReadOnlyList<ArticleKeyword>? Keywords = null);

/// <summary>
/// Readers' profiles in Redis: <c>reco:{u:user}:profile</c>, a hash of channel id → weight, author
/// (<c>a:&lt;user id&gt;</c>) → weight, keyword (<c>k:&lt;word&gt;</c>) → weight, and <c>at</c>, the
/// time the weights were last decayed to. An action weighs its article's channel and author alike,
/// and each of its keywords by the keyword's share of the article. Beside the reader's history (same hash
/// tag, same server: the cache for anonymous readers, the server that never evicts for the
/// others), kept as long as it and trimmed to the strongest <see cref="RecommendationOptions.ProfileChannelsKept"/>
/// channels, <see cref="RecommendationOptions.ProfileAuthorsKept"/> authors and
/// <see cref="RecommendationOptions.ProfileKeywordsKept"/> keywords.
/// </summary>
public sealed class ReaderProfileStore(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    IOptions<RecommendationOptions> options)
{
    private const string DecayedAt = "at";
    private const string AuthorPrefix = "a:";
    private const string KeywordPrefix = "k:";

    public static string Key(string userId) => $"reco:{{u:{userId}}}:profile";

    /// <summary>
    /// Decays the weights to the newest of the stored and the given times (half-life ARGV[2]),
    /// adds the signals (a late one decayed to that time as well), drops weights at or below
    /// zero, keeps the strongest ARGV[4] channels, ARGV[5] authors and ARGV[6] keywords and renews
    /// the expiry: one reader, one atomic step. KEYS: profile. ARGV: now ms, half-life ms,
    /// retention s, channels, authors and keywords kept, then for each signal: channel (0: none),
    /// author (0: none), weight, at ms, keywords ("word\tshare" lines).
    /// </summary>
    private const string ApplyScript = """
        local key = KEYS[1]
        local now, halfLife = tonumber(ARGV[1]), tonumber(ARGV[2])
        local stored = redis.call('HGETALL', key)
        local channels, authors, keywords, at = {}, {}, {}, now
        -- A damaged field (not a channel id, an author or a keyword, not a number) is dropped, never fatal.
        for i = 1, #stored, 2 do
          local value = tonumber(stored[i + 1])
          if stored[i] == 'at' then at = value or now
          elseif value and string.match(stored[i], '^%d+$') then channels[stored[i]] = value
          elseif value and string.match(stored[i], '^a:%d+$') then authors[stored[i]] = value
          elseif value and string.match(stored[i], '^k:.') then keywords[stored[i]] = value end
        end
        local to = math.max(now, at)
        local factor = 0.5 ^ ((to - at) / halfLife)
        for _, weights in ipairs({ channels, authors, keywords }) do
          for field, weight in pairs(weights) do weights[field] = weight * factor end
        end
        for i = 7, #ARGV, 5 do
          local weight = tonumber(ARGV[i + 2]) * 0.5 ^ ((to - tonumber(ARGV[i + 3])) / halfLife)
          if ARGV[i] ~= '0' then channels[ARGV[i]] = (channels[ARGV[i]] or 0) + weight end
          if ARGV[i + 1] ~= '0' then
            local author = 'a:' .. ARGV[i + 1]
            authors[author] = (authors[author] or 0) + weight
          end
          for word, share in string.gmatch(ARGV[i + 4], '([^\t\n]+)\t([^\n]+)') do
            local field = 'k:' .. word
            keywords[field] = (keywords[field] or 0) + weight * tonumber(share)
          end
        end
        local fields = { 'at', to }
        local function keep(weights, kept)
          local strongest = {}
          for field, weight in pairs(weights) do
            if weight > 0.001 then strongest[#strongest + 1] = { field, weight } end
          end
          table.sort(strongest, function(a, b) return a[2] > b[2] end)
          for i = 1, math.min(#strongest, kept) do
            fields[#fields + 1] = strongest[i][1]
            fields[#fields + 1] = string.format('%.6f', strongest[i][2])
          end
        end
        keep(channels, tonumber(ARGV[4]))
        keep(authors, tonumber(ARGV[5]))
        keep(keywords, tonumber(ARGV[6]))
        redis.call('DEL', key)
        if #fields == 2 then return 0 end
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
        var authors = new Dictionary<long, double>();
        var keywords = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            if (name is null || name == DecayedAt
                || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight <= 0)
            {
                continue;
            }

            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var channel))
            {
                weights[channel] = weight;
            }
            else if (name.StartsWith(AuthorPrefix, StringComparison.Ordinal)
                     && long.TryParse(name.AsSpan(AuthorPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var author))
            {
                authors[author] = weight;
            }
            else if (name.StartsWith(KeywordPrefix, StringComparison.Ordinal) && name.Length > KeywordPrefix.Length)
            {
                keywords[name[KeywordPrefix.Length..]] = weight;
            }
        }

        return weights.Count == 0 && authors.Count == 0 && keywords.Count == 0
            ? ReaderProfile.Empty
            : new ReaderProfile(weights) { AuthorWeights = authors, KeywordWeights = keywords };
    }

    /// <summary>A keyword as a field name can hold it: no tab or line break (the script's separators).</summary>
    private static string Clean(string keyword) => keyword.Replace('\t', ' ').Replace('\n', ' ');

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
                var arguments = new List<RedisValue> { nowMs, halfLifeMs, (long)retention.TotalSeconds, settings.ProfileChannelsKept, settings.ProfileAuthorsKept, settings.ProfileKeywordsKept };
                foreach (var signal in reader)
                {
                    arguments.Add(signal.ChannelId);
                    arguments.Add(signal.AuthorId);
                    arguments.Add(signal.Weight);
                    arguments.Add(signal.AtMs);
                    arguments.Add(string.Join('\n', (signal.Keywords ?? []).Select(k => FormattableString.Invariant($"{Clean(k.Keyword)}\t{k.Weight:R}"))));
                }

                writes.Add(batch.ScriptEvaluateAsync(ApplyScript, [Key(reader.Key)], [.. arguments]));
            }

            batch.Execute();
        }

        await Task.WhenAll(writes);
    }
}
