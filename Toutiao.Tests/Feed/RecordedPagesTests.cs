using Microsoft.Extensions.Options;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;
using Toutiao.Web.Feed;

namespace Toutiao.Tests.Feed;

[Trait("Category", TestCategories.Unit)]
public sealed class RecordedPagesTests
{
    private static readonly RecommendedArticle[] Articles = [new(7, new ArticleTrace("c", "co", "s", "r")), new(8, new ArticleTrace("", "", "", ""))];

    private static RecordedPages Pages(TimeSpan? lifetime = null)
        => new(Options.Create(new RecoOptions { RecordedPageLifetime = lifetime ?? TimeSpan.FromMinutes(2) }));

    private static Recommendation Recorded(long previous, string exposure = "") => new(previous, exposure, Articles) { Recorded = true };

    /// <summary>The pre_timestamp of reader 42's page of channel 3 at <paramref name="timestamp"/>, which must be kept.</summary>
    private static long PreviousOf(RecordedPages pages, long timestamp)
    {
        Assert.True(pages.TryGet("42", 3, timestamp, out var page), $"no page kept at {timestamp}");
        return page.PreviousTimestamp;
    }

    [Fact]
    public void From_a_readers_second_page_on_a_recorded_page_is_served_again_without_its_exposure()
    {
        using var pages = Pages();
        pages.Remember("42", 3, 500, Recorded(0, "exposure"));
        pages.Remember("42", 3, 1000, new Recommendation(500, "exposure", Articles) { Recorded = true, StartsAtTop = false });

        // The first is noted, not kept: most readers never ask for their first page again.
        Assert.False(pages.TryGet("42", 3, 500, out _));
        Assert.True(pages.TryGet("42", 3, 1000, out var again));
        Assert.Equal([7, 8], again.Articles.Select(a => a.ArticleId));
        Assert.Equal(500, again.PreviousTimestamp);
        Assert.False(again.StartsAtTop);
        // Logged once, when Reco recorded it.
        Assert.Equal("", again.Exposure);
        Assert.False(pages.TryGet("42", 3, 1001, out _));
        Assert.False(pages.TryGet("42", 4, 1000, out _));
        Assert.False(pages.TryGet("43", 3, 1000, out _));

        // The first page, answered by Reco again (history), is kept from then on.
        pages.Remember("42", 3, 500, Recorded(0));
        Assert.True(pages.TryGet("42", 3, 500, out _));
    }

    [Fact]
    public void Pages_reco_did_not_record_are_not_kept()
    {
        using var pages = Pages();
        pages.Remember("42", 3, 1, Recorded(0));
        pages.Remember("42", 3, 1000, new Recommendation(0, "exposure", Articles) { Recorded = false });
        pages.Remember("42", 3, 1001, new Recommendation(0, "exposure", Articles, DegradedBecause: "redis") { Recorded = true });
        pages.Remember("", 3, 1002, Recorded(0));
        pages.Remember("", 3, 1003, Recorded(0));

        Assert.False(pages.TryGet("42", 3, 1000, out _));
        Assert.False(pages.TryGet("42", 3, 1001, out _));
        Assert.False(pages.TryGet("", 3, 1003, out _));
    }

    [Fact]
    public void A_page_recorded_here_later_with_an_older_timestamp_becomes_the_page_before()
    {
        using var pages = Pages();
        pages.Remember("42", 3, 500, Recorded(0));
        pages.Remember("42", 3, 3000, Recorded(1000));
        // A concurrent refresh that arrived late, recorded between them.
        pages.Remember("42", 3, 2000, Recorded(1000));

        Assert.Equal(2000, PreviousOf(pages, 3000));
        Assert.Equal(1000, PreviousOf(pages, 2000));
    }

    [Fact]
    public void The_oldest_page_kept_names_the_newest_one_let_go_when_that_came_later()
    {
        using var pages = Pages();
        // Twelve concurrent refreshes recorded newest first: each was the oldest when recorded.
        pages.Remember("42", 3, 20_000, Recorded(0));
        for (var t = 11_000; t >= 1000; t -= 1000)
        {
            pages.Remember("42", 3, t, Recorded(0));
        }

        // Ten are known (3000..11000 kept, 20000 noted), and each names the one before it, the oldest the one let go.
        Assert.False(pages.TryGet("42", 3, 2000, out _));
        Assert.Equal(2000, PreviousOf(pages, 3000));
        Assert.Equal(10_000, PreviousOf(pages, 11_000));
    }

    [Fact]
    public void A_lifetime_of_zero_keeps_none()
    {
        using var pages = Pages(TimeSpan.Zero);
        pages.Remember("42", 3, 500, Recorded(0));
        pages.Remember("42", 3, 1000, Recorded(500));
        Assert.False(pages.TryGet("42", 3, 1000, out _));
    }
}
