using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Toutiao.Contracts.Readers;
using Toutiao.Contracts.Storage;
using Toutiao.Reco.Profiles;
using Toutiao.Reco.Recall;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.History;

/// <summary>One page a user was served, stored under the request's timestamp.</summary>
public sealed record FeedPage(long Timestamp, IReadOnlyList<long> ArticleIds);

/// <summary>A page as served: its articles, the timestamp of the page before it (0: none), and whether it was recorded just now (a fresh page) or before (history).</summary>
/// <param name="Examined">For a fresh page: how many of the offered candidates the script went through (all before them are served now).</param>
/// <param name="Profile">Instead of a page: the reader has a profile, and the caller asked to be told before a fresh page is picked without it.</param>
public sealed record ServedPage(IReadOnlyList<long> ArticleIds, long PreviousTimestamp, bool Recorded, int Examined = 0, ReaderProfile? Profile = null);

/// <summary>
/// A user's feed history per channel in Redis:
/// <c>reco:{u:user}:ch:{channel}:pages</c> (sorted set, score = page timestamp, member = "timestamp:id,id,..")
/// and <c>reco:{u:user}:ch:{channel}:served</c> (sorted set of the article ids served there, score =
/// the page's timestamp, so the newest are kept when it is trimmed). The hash tag keeps one user's
/// keys in one Redis Cluster slot, so one script may touch all of them. Both keys expire, and
/// both are trimmed: every reader's state is bounded in size and time.
/// </summary>
public sealed class UserFeedHistory(
    IConnectionMultiplexer redis,
    [FromKeyedServices(RedisConnections.Cache)] IConnectionMultiplexer cache,
    [FromKeyedServices(RedisConnections.State)] StorageGuard stateGuard,
    [FromKeyedServices(RedisConnections.Cache)] StorageGuard cacheGuard,
    IOptions<RecommendationOptions> options)
{
    /// <summary>
    /// Where a reader's history lives: an anonymous reader's (any client can invent such ids) in the
    /// cache server, which forgets the least recently active first when full; everyone else's in the
    /// server that never evicts.
    /// </summary>
    private IDatabase Database(string userId) => (AnonymousReaders.IsAnonymous(userId) ? cache : redis).GetDatabase();

    public static string PagesKey(string userId, int channelId) => $"reco:{{u:{userId}}}:ch:{channelId}:pages";

    public static string ServedKey(string userId, int channelId) => $"reco:{{u:{userId}}}:ch:{channelId}:served";

    /// <summary>
    /// Serves a reader's page in one step and one round trip. A page already recorded at this
    /// timestamp is returned as it is ("existing": history, or a retry of a refresh). Otherwise the
    /// first <c>count</c> candidates (in rank order) served in neither the channel nor the
    /// recommended channel become the page, recorded and marked served ("recorded"), so concurrent
    /// refreshes of one reader never share an article. When the candidates given run out first and
    /// they are not all there are, nothing is written ("more"): the caller asks again with more. A
    /// call whose deadline has passed by Redis' clock when the script runs writes nothing ("expired"):
    /// the reader gets these articles with the next refresh.
    /// With ARGV[8] = 1, a fresh page for a reader with a profile is not picked: the profile comes
    /// back instead ("profiled", with the reader's recent reads), for the caller to mix candidates by it; a reader without one still
    /// gets the page in this one round trip.
    /// Candidates mixed from several sources come with each source's number of places on the page
    /// and each candidate's source: the first unserved of each source fill its places, in the
    /// candidates' order. Places a source cannot fill ask for more candidates ("more"), unless that
    /// source has no more or these are all there are: then they go to the other unserved ones. So
    /// what a reader was served before never takes a source's places.
    /// KEYS: pages, served in the channel, served in channel 0, the reader's profile, their recent reads. ARGV:
    /// timestamp, count, retention seconds, pages kept, served ids kept, 1 if the candidates are all
    /// there are, the call's deadline in Unix ms (0: none), 1 to yield to a profile, places per
    /// source ("7,3s": "s" when the source has no more candidates; empty: one source), each
    /// candidate's source ("0,1,0,..."), each candidate's place in the click model's order
    /// ("2,0,1,...": the page is recorded in that order; empty: in the candidates' order), candidate ids...
    /// A recorded page also says how many of the candidates it went through (every one before
    /// them is served now): the caller may start after them next time.
    /// </summary>
    private const string ServePageScript = """
        local pages, served, servedAll = KEYS[1], KEYS[2], KEYS[3]
        local timestamp, count = tonumber(ARGV[1]), tonumber(ARGV[2])
        local function previous()
          local older = redis.call('ZREVRANGEBYSCORE', pages, '(' .. ARGV[1], '-inf', 'LIMIT', 0, 1)
          return older[1] or '0:'
        end
        local existing = redis.call('ZRANGEBYSCORE', pages, ARGV[1], ARGV[1])
        if existing[1] then
          return { 'existing', existing[1], previous() }
        end
        local deadline = tonumber(ARGV[7])
        if deadline > 0 then
          local now = redis.call('TIME')
          if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > deadline then
            return { 'expired' }
          end
        end
        if ARGV[8] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then
          return { 'profiled', redis.call('HGETALL', KEYS[4]), redis.call('LRANGE', KEYS[5], 0, -1) }
        end
        -- Mixed candidates: each source's places (ARGV[9], "s" after a source with no more
        -- candidates than these) and each candidate's source (ARGV[10]); an unserved candidate
        -- whose source has its places filled waits as a spare.
        local quotas, sources, ended = nil, nil, {}
        if ARGV[9] ~= '' then
          quotas, sources = {}, {}
          for q, s in string.gmatch(ARGV[9], '(%d+)(s?)') do
            quotas[#quotas + 1] = tonumber(q)
            ended[#quotas] = s == 's'
          end
          for s in string.gmatch(ARGV[10], '%d+') do sources[#sources + 1] = tonumber(s) + 1 end
        end
        local chosen, spare = {}, {}
        local examined = #ARGV - 11
        -- Two calls per 500 candidates, not two per candidate (and unpack has a stack limit).
        local first = 12
        while first <= #ARGV and #chosen < count do
          local last = math.min(first + 499, #ARGV)
          local inChannel = redis.call('ZMSCORE', served, unpack(ARGV, first, last))
          local inAll = served == servedAll and inChannel or redis.call('ZMSCORE', servedAll, unpack(ARGV, first, last))
          for i = 1, last - first + 1 do
            if not inChannel[i] and not inAll[i] then
              local c = first + i - 12
              local source = sources and sources[c]
              if source and quotas[source] <= 0 then
                spare[#spare + 1] = c
              else
                if source then quotas[source] = quotas[source] - 1 end
                chosen[#chosen + 1] = c
                if #chosen == count then examined = c; break end
              end
            end
          end
          first = last + 1
        end
        -- A source with more candidates than offered gets more offered, so its places go to its own.
        if ARGV[6] ~= '1' and quotas then
          for s = 1, #quotas do
            if quotas[s] > 0 and not ended[s] then return { 'more' } end
          end
        end
        -- Sources that ran out leave their places to the spares, in order.
        local spared = 0
        while #chosen < count and spared < #spare do
          spared = spared + 1
          chosen[#chosen + 1] = spare[spared]
        end
        if spare[spared + 1] then examined = spare[spared + 1] - 1 end
        if #chosen < count and ARGV[6] ~= '1' then
          return { 'more' }
        end
        if ARGV[11] ~= '' then
          local places = {}
          for p in string.gmatch(ARGV[11], '%d+') do places[#places + 1] = tonumber(p) end
          table.sort(chosen, function(a, b) return places[a] < places[b] end)
        else
          table.sort(chosen)
        end
        local picked, scored = {}, {}
        for _, c in ipairs(chosen) do
          local id = ARGV[c + 11]
          picked[#picked + 1] = id
          scored[#scored + 1] = ARGV[1]
          scored[#scored + 1] = id
        end
        local member = ARGV[1] .. ':' .. table.concat(picked, ',')
        if #picked > 0 then
          redis.call('ZADD', pages, timestamp, member)
          redis.call('ZREMRANGEBYRANK', pages, 0, -tonumber(ARGV[4]) - 1)
          redis.call('EXPIRE', pages, ARGV[3])
          redis.call('ZADD', served, unpack(scored))
          redis.call('ZREMRANGEBYRANK', served, 0, -tonumber(ARGV[5]) - 1)
          redis.call('EXPIRE', served, ARGV[3])
        end
        return { 'recorded', member, previous(), examined }
        """;

    /// <summary>
    /// Marks articles readers have read as served in channel 0, which every channel's fresh page
    /// skips: read once, never recommended to that reader again. Trimmed and expiring like the
    /// served ids of pages; one round trip per Redis server. Readers without an id are skipped.
    /// </summary>
    public async Task MarkReadAsync(IReadOnlyCollection<ArticleRead> reads)
    {
        var settings = options.Value;
        var writes = new List<Task>();
        foreach (var server in reads.Where(r => r.UserId.Length > 0).GroupBy(r => AnonymousReaders.IsAnonymous(r.UserId)))
        {
            var batch = Database(server.First().UserId).CreateBatch();
            foreach (var reader in server.GroupBy(r => r.UserId))
            {
                var key = ServedKey(reader.Key, 0);
                writes.Add(batch.SortedSetAddAsync(key, reader.Select(r => new SortedSetEntry(r.ArticleId, r.AtMs)).ToArray()));
                writes.Add(batch.SortedSetRemoveRangeByRankAsync(key, 0, -settings.ServedKept - 1));
                writes.Add(batch.KeyExpireAsync(key, AnonymousReaders.IsAnonymous(reader.Key) ? settings.AnonymousHistoryRetention : settings.HistoryRetention));
            }

            batch.Execute();
        }

        await Task.WhenAll(writes);
    }

    /// <summary>
    /// The reader's page at <paramref name="timestamp"/>: the recorded one, or a fresh one picked from
    /// <paramref name="rankedCandidates"/> and recorded; see <see cref="ServePageScript"/>. Null when
    /// the candidates ran out before <paramref name="count"/> unserved ones were found and
    /// <paramref name="allCandidates"/> is false (nothing was written).
    /// </summary>
    /// <param name="deadline">The call's deadline: past it when the script runs, nothing is written and
    /// <see cref="OperationCanceledException"/> is thrown.</param>
    /// <param name="yieldToProfile">Return the reader's profile (<see cref="ServedPage.Profile"/>)
    /// instead of picking a fresh page, when the reader has one.</param>
    /// <param name="mix">For candidates from several sources: each source's places on the page and each candidate's source.</param>
    /// <param name="modelPlaces">Each candidate's place in the click model's order, which the page keeps; null: the candidates' order.</param>
    public async Task<ServedPage?> ServePageAsync(string userId, int channelId, long timestamp,
        ReadOnlyMemory<long> rankedCandidates, bool allCandidates, int count, DateTime? deadline = null, bool yieldToProfile = false,
        (IEnumerable<string> Places, IReadOnlyList<int> Sources)? mix = null, IReadOnlyList<int>? modelPlaces = null)
    {
        using var activity = RecoTelemetry.Source.StartActivity("reco history");
        var settings = options.Value;
        RedisKey[] keys = [PagesKey(userId, channelId), ServedKey(userId, channelId), ServedKey(userId, 0), ReaderProfileStore.Key(userId), CoReadNeighbours.RecentKey(userId)];
        var retention = AnonymousReaders.IsAnonymous(userId) ? settings.AnonymousHistoryRetention : settings.HistoryRetention;
        var arguments = new RedisValue[11 + rankedCandidates.Length];
        arguments[0] = timestamp;
        arguments[1] = count;
        arguments[2] = (long)retention.TotalSeconds;
        arguments[3] = settings.HistoryPagesKept;
        arguments[4] = settings.ServedKept;
        arguments[5] = allCandidates ? 1 : 0;
        arguments[6] = deadline is { } at && at < DateTime.MaxValue ? new DateTimeOffset(at.ToUniversalTime()).ToUnixTimeMilliseconds() : 0;
        arguments[7] = yieldToProfile ? 1 : 0;
        arguments[8] = mix is { } places ? string.Join(',', places.Places) : "";
        arguments[9] = mix is { } sources ? string.Join(',', sources.Sources) : "";
        arguments[10] = modelPlaces is null ? "" : string.Join(',', modelPlaces);
        var candidates = rankedCandidates.Span;
        for (var i = 0; i < candidates.Length; i++)
        {
            arguments[11 + i] = candidates[i];
        }

        // Within the server's share of the call: a frozen server leaves the page to memory in time, and
        // the script, should it run once the server thaws, records nothing past that share.
        var guard = AnonymousReaders.IsAnonymous(userId) ? cacheGuard : stateGuard;
        var shareEnds = DateTime.UtcNow + guard.NextTimeout;
        if (deadline is not { } callDeadline || callDeadline > shareEnds)
        {
            arguments[6] = new DateTimeOffset(shareEnds).ToUnixTimeMilliseconds();
        }

        var reply = (RedisResult[])(await guard.RunAsync(() => Database(userId).ScriptEvaluateAsync(ServePageScript, keys, arguments), CancellationToken.None))!;
        var outcome = (string)reply[0]!;
        activity?.SetTag("toutiao.reco.outcome", outcome);
        if (outcome == "expired")
        {
            throw new OperationCanceledException("The call's deadline passed before its page was recorded; nothing was written.");
        }

        if (outcome == "more")
        {
            return null;
        }

        if (outcome == "profiled")
        {
            var fields = (RedisResult[])reply[1]!;
            var profile = ReaderProfileStore.Parse(Enumerable.Range(0, fields.Length / 2).Select(i => ((string?)fields[2 * i], (string?)fields[(2 * i) + 1])));
            var recent = ((RedisValue[])reply[2]!).Select(v => long.TryParse((string?)v, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).ToList();
            return new ServedPage([], 0, Recorded: false, Profile: profile with { RecentReads = recent });
        }

        var page = Parse((RedisValue)reply[1]);
        activity?.SetTag("toutiao.reco.articles", page.ArticleIds.Count);
        // The previous page comes as its member ("timestamp:ids"): no float formatting of a score to parse.
        return new ServedPage(page.ArticleIds, Parse((RedisValue)reply[2]).Timestamp, Recorded: outcome == "recorded",
            Examined: reply.Length > 3 ? (int)reply[3] : 0);
    }

    private static FeedPage Parse(RedisValue member)
    {
        var text = (string)member!;
        var colon = text.IndexOf(':');
        var timestamp = long.Parse(text.AsSpan(0, colon), CultureInfo.InvariantCulture);
        var ids = text[(colon + 1)..]
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(id => long.Parse(id, CultureInfo.InvariantCulture))
            .ToArray();
        return new FeedPage(timestamp, ids);
    }
}

/// <summary>A reader read (or opened) an article at a time (Unix ms).</summary>
public readonly record struct ArticleRead(string UserId, long ArticleId, long AtMs);
