extern alias reco;

using StackExchange.Redis;
using ArticleCatalog = reco::Toutiao.Reco.Ranking.ArticleCatalog;
using ArticleFacts = reco::Toutiao.Reco.Ranking.ArticleFacts;
using ClickFeatures = reco::Toutiao.Reco.Ranking.ClickFeatures;
using ClickModel = reco::Toutiao.Reco.Ranking.ClickModel;
using ClickModelTrainer = reco::Toutiao.Reco.Ranking.ClickModelTrainer;
using ClickModelTraining = reco::Toutiao.Reco.Ranking.ClickModelTraining;
using ClickRanking = reco::Toutiao.Reco.Ranking.ClickRanking;
using ExposureJoin = reco::Toutiao.Reco.Ranking.ExposureJoin;
using ExposureRecord = reco::Toutiao.Reco.Ranking.ExposureRecord;
using FeedbackRecord = reco::Toutiao.Reco.Ranking.FeedbackRecord;
using ReaderProfile = reco::Toutiao.Reco.Profiles.ReaderProfile;
using TrainingExample = reco::Toutiao.Reco.Ranking.TrainingExample;

namespace Toutiao.Tests.Reco;

/// <summary>The click model: joining exposures with feedback, fitting, storing and ranking with it.</summary>
[Trait("Category", "Unit")]
public sealed class ClickModelUnitTests
{
    private const long Hour = 3_600_000;
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(3);

    /// <summary>Articles 1..100: article n in channel 1 + n % 5 by author 1 + n % 7, the larger the newer, hotness n.</summary>
    private static readonly ArticleCatalog Catalog = new(Enumerable.Range(1, 100).ToDictionary(n => (long)n, n => new ArticleFacts(1 + (n % 5), n * Hour, n, 1 + (n % 7))));

    private static List<TrainingExample> Join(IEnumerable<ExposureRecord> exposures, IEnumerable<FeedbackRecord> feedback)
        => ExposureJoin.Join(exposures, feedback, Catalog, Window, HalfLife, channelsKept: 10, authorsKept: 20);

    [Fact]
    public void Every_exposed_article_is_an_example_and_a_click_in_the_window_makes_it_positive()
    {
        var examples = Join([new("u", [10, 11, 12], 1000)], [new("u", 11, "click", null, 1000 + Hour - 1)]);

        Assert.Equal([false, true, false], examples.Select(e => e.Clicked));
        // The place on the page is a feature (position bias), 0.1 per place.
        Assert.Equal([0f, 0.1f, 0.2f], examples.Select(e => e.Features[6]));
    }

    [Fact]
    public void A_late_click_a_click_without_exposure_and_another_readers_click_label_nothing()
    {
        var examples = Join(
            [new("u", [10, 11], 1000)],
            [new("u", 10, "click", null, 1000 + Hour + 1), new("u", 50, "click", null, 2000), new("v", 11, "read", 30, 2000)]);

        Assert.Equal(2, examples.Count);
        Assert.All(examples, e => Assert.False(e.Clicked));
    }

    [Fact]
    public void An_article_shown_again_is_one_example_and_a_click_after_the_second_showing_counts_within_the_first_window()
    {
        var examples = Join(
            [new("u", [10, 11], 1000), new("u", [11, 12], 1000 + (Hour / 2))],
            [new("u", 11, "read", 60, 1000 + (Hour / 2) + 10), new("u", 11, "click", null, 1000 + (Hour / 2) + 5)]);

        Assert.Equal(3, examples.Count);
        Assert.Equal([false, true, false], examples.Select(e => e.Clicked));
    }

    [Fact]
    public void The_affinity_of_an_example_is_what_the_reader_did_before_the_page_never_after()
    {
        // Article 12 is in channel 3 by author 6; the reader clicked channel 3 (article 17, author 4) before
        // the second page only, then article 12; article 22 is in channel 3 by author 2, article 26 in channel 2 by author 6.
        var examples = Join(
            [new("u", [12], 1000), new("v", [12], 1000), new("u", [22, 26], 5000)],
            [new("u", 17, "click", null, 2000), new("u", 12, "click", null, 3000)]);

        var (first, other, second, byAuthor) = (examples[0], examples[1], examples[2], examples[3]);
        Assert.Equal(0f, first.Features[0]);
        Assert.Equal(0f, first.Features[1]);
        Assert.True(first.Clicked);
        Assert.Equal(0f, other.Features[0]);
        Assert.Equal(1f, second.Features[0]);
        Assert.Equal(1f, second.Features[1]);
        Assert.Equal(0f, second.Features[2]);
        Assert.Equal(0f, first.Features[2]);
        // Article 26 (channel 2, author 6): half the reader's author weight, none of their channel weight.
        Assert.Equal(0f, byAuthor.Features[0]);
        Assert.Equal(0.5f, byAuthor.Features[2], 0.01f);
    }

    [Fact]
    public void Features_scale_hotness_and_age_by_the_catalogue()
    {
        var features = ClickFeatures.For(0.25, 0.5, 0.75, new ArticleFacts(3, 100 * Hour - (24 * Hour), 100), Catalog, position: 0);

        Assert.Equal([0.25f, 1f, 0.5f, 0.75f, 1f, 0.5f, 0f], features);
    }

    [Fact]
    public void A_model_fitted_on_clicks_that_follow_affinity_ranks_held_out_examples_well_and_weighs_affinity()
    {
        var random = new Random(7);
        var examples = Enumerable.Range(0, 20_000).Select(i =>
        {
            var affinity = random.NextDouble() < 0.3 ? random.NextDouble() : 0;
            var position = random.Next(10);
            var article = Catalog.Articles[1 + random.Next(100)];
            var authorAffinity = random.NextDouble() < 0.2 ? random.NextDouble() : 0;
            var features = ClickFeatures.For(affinity, authorAffinity, 0, article, Catalog, position);
            var p = 0.02 + (0.4 * affinity) + (0.3 * authorAffinity) + (0.05 * features[4]) - (0.01 * position);
            return new TrainingExample(features, random.NextDouble() < p, i);
        }).ToList();

        var model = ClickModelTrainer.Train(examples, version: 42);

        Assert.Equal(42, model.Version);
        Assert.InRange(model.Auc, 0.75, 1);
        Assert.True(model.Weights[0] > 0, $"affinity weight {model.Weights[0]}");
        Assert.True(model.Weights[2] > 0, $"author weight {model.Weights[2]}");
        Assert.True(model.Weights[6] < 0, $"position weight {model.Weights[6]}");
        Assert.Equal(examples.Count(e => e.Clicked), model.Clicks);
    }

    [Fact]
    public void A_stored_model_reads_back_and_a_damaged_or_foreign_one_is_refused()
    {
        var model = new ClickModel(7, ClickFeatures.Names, [2, 1, 1, 1, 0.5f, 0.5f, -0.3f], -3, 0.8, 100, 10);

        var back = ClickModel.Parse(model.ToJson());

        Assert.NotNull(back);
        Assert.Equal(model.Weights, back.Weights);
        Assert.Equal(0.8, back.Auc);
        Assert.Null(ClickModel.Parse("{not json"));
        Assert.Null(ClickModel.Parse(model.ToJson().Replace("in_profile", "author", StringComparison.Ordinal)));
        Assert.Null(ClickModel.Parse((model with { Weights = [1, 2] }).ToJson()));
        Assert.Null(ClickModel.Parse((model with { Bias = float.NaN }).ToJson()));
        Assert.Null(ClickModel.Parse("null"));
    }

    [Fact]
    public void The_ranking_puts_what_the_model_scores_highest_first_and_keeps_the_order_of_ties()
    {
        // Affinity only: the reader's channel 3 (articles 2, 7, 12...) first, the rest in their order.
        var model = new ClickModel(1, ClickFeatures.Names, [4, 0, 0, 0, 0, 0], -2, 0.9, 100, 10);
        var profile = new ReaderProfile(new Dictionary<int, double> { [3] = 2 });

        var places = ClickRanking.Places(model, Catalog, profile, [1, 2, 3, 7, 4, 999]);

        Assert.Equal([2, 0, 3, 1, 4, 5], places);
    }

    [Fact]
    public void An_exposure_entry_gives_its_reader_articles_and_time_and_a_malformed_one_nothing()
    {
        static StreamEntry Entry(string user, string param, string at) => new("1-0",
            [new("action", "exposure"), new("user", user), new("param", param), new("reported_at", at)]);
        const string Param = """{"action":"exposure","userId":"anony:x","articleId":"[5, 7, 9]","algorithmCombine":"Algo-1","issuedAt":1,"sig":"x"}""";

        var exposure = ClickModelTraining.TryReadExposure(Entry("anony:x", Param, "1234"));

        Assert.NotNull(exposure);
        Assert.Equal("anony:x", exposure.Value.UserId);
        Assert.Equal([5L, 7, 9], exposure.Value.ArticleIds);
        Assert.Equal(1234, exposure.Value.AtMs);
        Assert.Null(ClickModelTraining.TryReadExposure(Entry("", Param, "1234")));
        Assert.Null(ClickModelTraining.TryReadExposure(Entry("u", Param.Replace("[5, 7, 9]", "[5, x]", StringComparison.Ordinal), "1234")));
        Assert.Null(ClickModelTraining.TryReadExposure(Entry("u", Param, "soon")));
        Assert.Null(ClickModelTraining.TryReadExposure(Entry("u", "{}", "1234")));
    }
}
