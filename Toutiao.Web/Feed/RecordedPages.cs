using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Feed;

/// <summary>
/// Pages Reco recorded, kept in this process for a short while (<see cref="RecoOptions.RecordedPageLifetime"/>):
/// asked for again (the reader paging back through what they were just served, or a retry), a page
/// needs neither Reco nor Redis. A replica that did not serve it asks Reco, which answers the same
/// page. Withdrawn articles still leave it: its cards are looked up, and filtered, as any page's are.
/// </summary>
/// <remarks>
/// A page's articles never change, but its pre_timestamp can: a refresh with an older timestamp
/// (concurrent refreshes arrive out of order) records a page between it and the one before. What
/// this process recorded itself is accounted for (the newest of its pages older than the one asked
/// for); a page another replica recorded out of order meanwhile is not, so paging back through this
/// process may skip it. It never repeats an article: each page is still the one recorded.
/// </remarks>
public sealed class RecordedPages : IDisposable
{
    /// <summary>The newest pages kept per reader and channel: more refreshes than a reader pages back through in a lifetime.</summary>
    private const int PagesPerReader = 10;

    private readonly MemoryCache? _readers;
    private readonly TimeSpan _lifetime;

    public RecordedPages(IOptions<RecoOptions> options)
    {
        _lifetime = options.Value.RecordedPageLifetime;
        _readers = _lifetime > TimeSpan.Zero ? new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.RecordedPagesKept }) : null;
    }

    public bool TryGet(string userId, int channelId, long timestamp, [NotNullWhen(true)] out Recommendation? page)
    {
        page = null;
        return _readers is not null && userId.Length > 0
            && _readers.TryGetValue(new ReaderChannel(userId, channelId), out ReaderPages? pages) && pages is not null
            && pages.TryGet(timestamp, Environment.TickCount64 - (long)_lifetime.TotalMilliseconds, out page);
    }

    /// <summary>Keeps <paramref name="page"/> if Reco recorded it; a page from memory, degraded or without a reader is not a page to repeat.</summary>
    public void Remember(string userId, int channelId, long timestamp, Recommendation page)
    {
        if (_readers is null || !page.Recorded || page.DegradedBecause is not null || userId.Length == 0)
        {
            return;
        }

        var key = new ReaderChannel(userId, channelId);
        var known = _readers.TryGetValue(key, out ReaderPages? pages) && pages is not null;
        pages ??= new ReaderPages();
        // A reader's first page here is noted, not kept: most first pages are never asked for again
        // (a passing reader's), and kept, each would outlive collections for nothing (measured: Web's
        // collections at 26 ms instead of 1-3 under fresh pages of new readers). From the second on,
        // the reader is paging: served again it is history, whose exposure was logged once already.
        var kept = pages.Add(timestamp, known ? page with { Exposure = "" } : null, Environment.TickCount64);
        // Set again, so that the entry's size is its count of pages (the limit counts pages).
        _readers.Set(key, pages, new MemoryCacheEntryOptions { Size = Math.Max(1, kept), AbsoluteExpirationRelativeToNow = _lifetime });
    }

    public void Dispose() => _readers?.Dispose();

    private readonly record struct ReaderChannel(string UserId, int ChannelId);

    private sealed class ReaderPages
    {
        /// <summary>Pages recorded here by timestamp, and when (<see cref="Environment.TickCount64"/>); null for one noted, not kept.</summary>
        private readonly SortedList<long, (Recommendation? Page, long At)> _pages = [];

        /// <summary>The newest timestamp of a page let go here: it was recorded here too, and may be the one before the oldest kept.</summary>
        private long _letGo;

        /// <summary>The page recorded at <paramref name="timestamp"/>, unless it was kept before <paramref name="keptSince"/>: its tracking strings age.</summary>
        public bool TryGet(long timestamp, long keptSince, [NotNullWhen(true)] out Recommendation? page)
        {
            lock (_pages)
            {
                page = null;
                if (!_pages.TryGetValue(timestamp, out var kept) || kept.At < keptSince || kept.Page is null)
                {
                    return false;
                }

                page = kept.Page;

                // A page recorded here after this one, with an older timestamp, is now the one before it.
                var index = _pages.IndexOfKey(timestamp);
                var before = index > 0 ? _pages.Keys[index - 1] : _letGo;
                if (before > page.PreviousTimestamp && before < timestamp)
                {
                    page = page with { PreviousTimestamp = before };
                }

                return true;
            }
        }

        /// <summary>Adds the page, or notes its timestamp (the oldest goes beyond <see cref="PagesPerReader"/>); returns how many are kept.</summary>
        public int Add(long timestamp, Recommendation? page, long at)
        {
            lock (_pages)
            {
                if (page is not null || !_pages.ContainsKey(timestamp))
                {
                    _pages[timestamp] = (page, at);
                }

                if (_pages.Count > PagesPerReader)
                {
                    _letGo = Math.Max(_letGo, _pages.Keys[0]);
                    _pages.RemoveAt(0);
                }

                return _pages.Values.Count(p => p.Page is not null);
            }
        }
    }
}
