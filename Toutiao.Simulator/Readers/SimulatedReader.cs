using Toutiao.Simulator.Catalogue;
using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Readers;

/// <summary>
/// One simulated reader: an anonymous id with history (<c>Authorization: Anony &lt;id&gt;</c>), a hidden
/// taste, a random source of their own (so a run is the same whatever order the readers are served
/// in) and what the feed needs to be paged as the app pages it. Not thread-safe: a reader does one thing at a time.
/// </summary>
public sealed class SimulatedReader(string id, string arm, ReaderTastes tastes, Random random, SimulationOptions options)
{
    private readonly HashSet<long> _clicked = [];
    private readonly Dictionary<int, int> _seenInSession = [];
    private long _lastTimestamp;

    public string Id { get; } = id;

    public string Arm { get; } = arm;

    public ReaderTastes Tastes { get; } = tastes;

    /// <summary>Fresh pages of 推荐 shown so far (history pages are pages seen again, not counted).</summary>
    public int FreshPages { get; private set; }

    /// <summary>The <c>pre_timestamp</c> of the last page: the cursor for paging back (0: no older page).</summary>
    public long PreTimestamp { get; set; }

    /// <summary>A new session: fatigue starts over.</summary>
    public void StartSession() => _seenInSession.Clear();

    /// <summary>
    /// The <c>timestamp</c> of a fresh page: now in Unix ms, as the app sends <c>Date.now()</c>, but
    /// never one of this reader's earlier pages' (that would be that page again, by design).
    /// </summary>
    public long NextFreshTimestamp(long nowMs)
    {
        _lastTimestamp = Math.Max(nowMs, _lastTimestamp + 1);
        FreshPages++;
        return _lastTimestamp;
    }

    /// <summary>Whether the session goes on after <paramref name="pagesSoFar"/> pages: it ends with a chance that grows each page.</summary>
    public bool ContinuesSession(int pagesSoFar)
        => pagesSoFar < options.MaxPagesPerSession
           && random.NextDouble() >= options.SessionEnd + options.SessionEndGrowth * (pagesSoFar - 1);

    /// <summary>Whether the next page is the one before (scrolling back through history) rather than a refresh.</summary>
    public bool PagesBack() => PreTimestamp != 0 && random.NextDouble() < options.HistoryPaging;

    /// <summary>
    /// Goes down a page: the article at position p is examined with probability ExamineDecay^p; an
    /// examined one is clicked with its taste's chance, times ChannelFatigue for every article of its
    /// channel examined earlier in the session, unless it was clicked before. A click is read for
    /// 60–240 s (liked channel) or 20–90 s, and sometimes collected.
    /// </summary>
    public IReadOnlyList<PageReaction> Examine(IReadOnlyList<CatalogueArticle?> page, IReadOnlyList<long> articleIds)
    {
        var reactions = new List<PageReaction>();
        for (var position = 0; position < page.Count; position++)
        {
            if (random.NextDouble() >= Math.Pow(options.ExamineDecay, position))
            {
                continue;
            }

            var article = page[position];
            var channel = article?.ChannelId ?? -1;
            var seen = _seenInSession.GetValueOrDefault(channel);
            _seenInSession[channel] = seen + 1;
            var p = Tastes.ClickProbability(article, options) * Math.Pow(options.ChannelFatigue, seen);
            if (random.NextDouble() < p && _clicked.Add(articleIds[position]))
            {
                var seconds = Tastes.Likes(article) ? random.Next(60, 241) : random.Next(20, 91);
                reactions.Add(new PageReaction(position, seconds, random.NextDouble() < options.Collect));
            }
        }

        return reactions;
    }

    /// <summary>
    /// The held-out page's relevance: for each article, whether this reader would click it were it
    /// examined, drawn from the taste alone (no position bias, no fatigue). Nothing is reported.
    /// </summary>
    public IReadOnlyList<bool> WouldClick(IReadOnlyList<CatalogueArticle?> page)
        => page.Select(article => random.NextDouble() < Tastes.ClickProbability(article, options)).ToList();
}
