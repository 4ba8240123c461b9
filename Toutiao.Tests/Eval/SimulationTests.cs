using Toutiao.Simulator.Runs;
using Toutiao.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Toutiao.Tests.Eval;

/// <summary>
/// A short seeded run of the reader simulator (docs/evaluation.md) through the fixture's Web: readers
/// with hidden tastes in the fixture's personalised buckets click more, and see more of what they
/// like, than readers in its control bucket f (hot-new). Their clicks raise hot scores in the shared
/// fixture, as any reader's do.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class SimulationTests(ToutiaoFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Personalised_readers_click_more_and_see_more_of_their_channels_than_the_hot_new_control()
    {
        var options = new SimulationOptions
        {
            Readers = 50,
            Rounds = 8,
            Seed = 20261204,
            // One held-out page each is 25 pages an arm: their NDCG varied 0.11-0.22 (profile) and
            // 0.026-0.056 (hot-new) over five runs on 2026-12-07, too little for a ratio to hold.
            HeldOutPages = 4,
            // The fixture's Reco: bucket f the control, every other one personalised.
            Buckets = BucketMap.Parse("f=hot-new"),
        };

        var report = await Simulation.RunAsync(fixture.WebClient, options);

        var profile = report.Arm("profile");
        var control = report.Arm("hot-new");
        var summary = $"{report.Elapsed.TotalSeconds:0.0} s (catalogue {report.CatalogueElapsed.TotalSeconds:0.0} s); {string.Join(" | ", report.Arms.Select(a =>
            $"{a.Arm}: {a.Readers} readers, {a.Pages} pages, CTR {a.Ctr:0.000}, NDCG {a.Ndcg:0.000}, liked share {a.LikedShareAfter:0.00} of {a.LikedShareArticles}"))}; " +
            $"unknown {report.UnknownArticles}; errors {report.Errors} {string.Join(" | ", report.ErrorSamples)}";

        output.WriteLine(summary);
        Assert.True(report.Errors == 0, summary);
        Assert.True(report.Arms.All(arm => arm.EmptyPages == 0), summary);
        Assert.Equal([25, 25], report.Arms.Select(a => a.Readers));
        Assert.True(report.UnknownArticles == 0, summary);
        // Measured on 2026-12-07 (25 readers an arm, 8 rounds, 4 held-out pages, 16-17 s; no click
        // model here: the fixture trains none): profile CTR 0.053-0.059 against 0.024-0.026
        // (2.1-2.4x); liked share after 8 pages 0.43-0.49 against 0.08; NDCG@10 0.18-0.22 against
        // 0.045-0.050. On 2026-12-04 earlier versions of the recommender gave 1.7-2.5x CTR. The
        // share stays under a half: the readers' few clicks outside their channels (2 %, and liked
        // authors anywhere) weigh in their profiles too, and two fifths of a page are explored or
        // read-together articles.
        Assert.True(profile.Ctr >= 1.4 * control.Ctr, summary);
        Assert.True(profile.LikedShareAfter >= 0.25 && profile.LikedShareAfter >= 3 * control.LikedShareAfter, summary);
        Assert.True(profile.Ndcg >= 0.08 && profile.Ndcg >= 2 * control.Ndcg, summary);
    }
}
