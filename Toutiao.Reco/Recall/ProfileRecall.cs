namespace Toutiao.Reco.Recall;

/// <summary>One recall source: ranked article ids and the share of a page it should fill.</summary>
public readonly record struct RecallSource(long[] Ranked, double Share);

/// <summary>
/// A reader's candidates in 推荐 (channel 0) mixed from several sources: each channel of the
/// reader's profile, in proportion to its weight, and the whole channel's ranking for the explored
/// share, so a profile never closes the reader in. Every source keeps its own order; at each
/// position the source furthest behind its share goes next (largest deficit first), skipping
/// articles already taken; an exhausted source leaves its share to the others.
/// </summary>
public static class ProfileRecall
{
    /// <summary>The sources for <paramref name="channelWeights"/>: channels in proportion to weight, the rest of <paramref name="explored"/> from <paramref name="everything"/>.</summary>
    public static List<RecallSource> Sources(long[] everything, IEnumerable<(long[] Ranked, double Weight)> channelWeights, double explored)
    {
        var channels = channelWeights.Where(c => c.Weight > 0 && c.Ranked.Length > 0).ToList();
        var total = channels.Sum(c => c.Weight);
        var sources = channels.Select(c => new RecallSource(c.Ranked, (1 - explored) * c.Weight / total)).ToList();
        sources.Add(new RecallSource(everything, total > 0 ? explored : 1));
        return sources;
    }

    /// <summary>Up to <paramref name="count"/> distinct ids from <paramref name="sources"/>, mixed by share.</summary>
    public static long[] Mix(IReadOnlyList<RecallSource> sources, int count)
    {
        var taken = new HashSet<long>();
        var result = new List<long>(count);
        var next = new int[sources.Count];
        var served = new int[sources.Count];
        var live = sources.Select(s => s.Share > 0 && s.Ranked.Length > 0).ToArray();
        while (result.Count < count)
        {
            var pick = -1;
            var largest = double.NegativeInfinity;
            for (var i = 0; i < sources.Count; i++)
            {
                var deficit = (sources[i].Share * (result.Count + 1)) - served[i];
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

            result.Add(ranked[next[pick]++]);
            served[pick]++;
        }

        return [.. result];
    }
}
