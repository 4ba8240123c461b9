namespace Toutiao.Contracts.Recall;

/// <summary>
/// The non-personalised page: hottest and newest, taken in turn, without repeats. Reco serves it
/// to readers it does not remember; Web (which compiles this file too) serves it when Reco is down.
/// </summary>
public static class PopularPage
{
    /// <summary>
    /// The response header with which Reco says its page is this one, from the candidates in its memory,
    /// because Redis failed (value <c>redis</c>): not personalised and not remembered.
    /// </summary>
    public const string DegradedHeader = "toutiao-degraded";

    /// <summary>
    /// The response header with which Reco says a page of a reader without identity is not the top
    /// of the channel (value <c>later</c>): pinned articles, shown on top, are not shown again there.
    /// </summary>
    public const string LaterPageHeader = "toutiao-page";

    public static IReadOnlyList<long> Interleave(IReadOnlyList<long> hottest, IReadOnlyList<long> newest, int count)
    {
        var page = new List<long>(count);
        var seen = new HashSet<long>();
        for (var i = 0; page.Count < count && (i < hottest.Count || i < newest.Count); i++)
        {
            if (i < hottest.Count && seen.Add(hottest[i]))
            {
                page.Add(hottest[i]);
            }

            if (page.Count < count && i < newest.Count && seen.Add(newest[i]))
            {
                page.Add(newest[i]);
            }
        }

        return page;
    }
}
