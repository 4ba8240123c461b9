namespace Toutiao.Reco.Recall;

/// <summary>
/// One recall source: a ranking, the share of a page it should fill, where in the ranking this
/// reader's next page starts (what lies before was served), and the channel whose ranking it is,
/// or, below zero, which of the reader's own rankings (<see cref="CoRead"/>, <see cref="Content"/>,
/// <see cref="Author"/>), made for this page and without a remembered start.
/// </summary>
public readonly record struct RecallSource(long[] Ranked, double Share, int Start, int Channel)
{
    /// <summary>The <see cref="Channel"/> of the item-to-item source (read together with the reader's recent reads).</summary>
    public const int CoRead = -1;

    /// <summary>The <see cref="Channel"/> of the content source (keywords matching the profile's).</summary>
    public const int Content = -2;

    /// <summary>The <see cref="Channel"/> of the author source (the authors the reader follows or reads).</summary>
    public const int Author = -3;

    /// <summary>Whether the ranking is a channel's, the same for every reader, whose reader's position is worth remembering.</summary>
    public bool IsChannel => Channel >= 0;
}

/// <summary>
/// Mixed candidates, and for each where it came from: the source's index and the position in that
/// source's ranking; and which sources have nothing left after these.
/// </summary>
public sealed record MixedCandidates(long[] Ids, int[] Sources, int[] Positions, bool[] Ended);

/// <summary>
/// A reader's candidates in 推荐 (channel 0) mixed from several sources: each channel of the
/// reader's profile, in proportion to its weight, and the whole channel's ranking for the explored
/// share, so a profile never closes the reader in. Every source keeps its own order from its start;
/// at each position the source furthest behind its share goes next (largest deficit first),
/// skipping articles already taken; an exhausted source leaves its share to the others.
/// </summary>
public static class ProfileRecall
{
    /// <summary>
    /// The sources: <paramref name="explored"/> of the page from <paramref name="everything"/>,
    /// each of the reader's own <paramref name="personal"/> sources its share when it has
    /// candidates, the rest from the profile's channels in proportion to weight (from
    /// <paramref name="everything"/> without any).
    /// </summary>
    public static List<RecallSource> Sources(RecallSource everything, IEnumerable<(RecallSource Source, double Weight)> channels, double explored,
        params IEnumerable<RecallSource> personal)
    {
        var weighted = channels.Where(c => c.Weight > 0 && c.Source.Ranked.Length > 0).ToList();
        var total = weighted.Sum(c => c.Weight);
        var own = personal.Where(p => p.Ranked.Length > 0 && p.Share > 0).ToList();
        var ownShare = own.Sum(p => p.Share);
        var sources = weighted.Select(c => c.Source with { Share = (1 - explored - ownShare) * c.Weight / total }).ToList();
        sources.AddRange(own);
        sources.Add(everything with { Share = total > 0 ? explored : 1 - ownShare });
        return sources;
    }

    /// <summary>Up to <paramref name="count"/> distinct ids from <paramref name="sources"/>, mixed by share.</summary>
    public static MixedCandidates Mix(IReadOnlyList<RecallSource> sources, int count)
    {
        var taken = new HashSet<long>();
        var ids = new List<long>(count);
        var from = new List<int>(count);
        var at = new List<int>(count);
        var next = sources.Select(s => Math.Min(s.Start, s.Ranked.Length)).ToArray();
        var served = new int[sources.Count];
        var live = sources.Select(s => s.Share > 0 && s.Ranked.Length > 0).ToArray();
        while (ids.Count < count)
        {
            var pick = -1;
            var largest = double.NegativeInfinity;
            for (var i = 0; i < sources.Count; i++)
            {
                var deficit = (sources[i].Share * (ids.Count + 1)) - served[i];
                if (live[i] && deficit > largest)
                {
                    (pick, largest) = (i, deficit);
                }
            }

            if (pick < 0)
            {
                break;
            }

            var ranked = sources[pick].Ranked;
            while (next[pick] < ranked.Length && !taken.Add(ranked[next[pick]]))
            {
                next[pick]++;
            }

            if (next[pick] == ranked.Length)
            {
                live[pick] = false;
                continue;
            }

            ids.Add(ranked[next[pick]]);
            from.Add(pick);
            at.Add(next[pick]++);
            served[pick]++;
        }

        return new MixedCandidates([.. ids], [.. from], [.. at], sources.Select((s, i) => next[i] >= s.Ranked.Length).ToArray());
    }

    /// <summary>
    /// Each source's places on a page of <paramref name="count"/>: its share, rounded so that they add
    /// up (largest remainders first; among equal ones, the source with fewest places first, so a 5 %
    /// source on a page of 10 is not always the one left out).
    /// </summary>
    public static int[] Places(IReadOnlyList<RecallSource> sources, int count)
    {
        var exact = sources.Select(s => s.Share * count).ToArray();
        var places = exact.Select(e => (int)Math.Floor(e)).ToArray();
        foreach (var i in Enumerable.Range(0, sources.Count).OrderByDescending(i => Math.Round(exact[i] - places[i], 9)).ThenBy(i => places[i]).Take(count - places.Sum()).ToList())
        {
            places[i]++;
        }

        return places;
    }

    /// <summary>
    /// Where each source's next page starts once the history script went through the first
    /// <paramref name="examined"/> of <paramref name="mixed"/>: after the last of them taken from it.
    /// Every article of a source before that was served now or before: offered earlier by it or by
    /// another source (then examined too), or before the source's start.
    /// </summary>
    public static int[] NextStarts(IReadOnlyList<RecallSource> sources, MixedCandidates mixed, int examined)
    {
        var starts = sources.Select(s => s.Start).ToArray();
        for (var i = 0; i < Math.Min(examined, mixed.Ids.Length); i++)
        {
            starts[mixed.Sources[i]] = Math.Max(starts[mixed.Sources[i]], mixed.Positions[i] + 1);
        }

        return starts;
    }
}
