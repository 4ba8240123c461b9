extern alias reco;

using Microsoft.Extensions.Options;
using Experiments = reco::Toutiao.Reco.Recommend.Experiments;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;

namespace Toutiao.Tests.Reco;

/// <summary>A/B buckets mapped to algorithms by configuration.</summary>
[Trait("Category", "Unit")]
public sealed class ExperimentsTests
{
    private static Experiments With(Dictionary<string, string> buckets) => new(Options.Create(new RecommendationOptions { Buckets = buckets }));

    [Theory]
    [InlineData("1")]   // bucket c
    [InlineData("3")]   // e
    [InlineData("100")] // f
    public void Every_bucket_is_personalised_unless_configured(string userId)
        => Assert.Equal(Experiments.Profile, With([]).ArmFor(userId));

    [Fact]
    public void A_configured_bucket_gets_its_algorithm_and_the_others_keep_the_default()
    {
        var experiments = With(new() { ["F"] = "HOT-NEW", ["e"] = "profile" });

        Assert.Equal(Experiments.HotNew, experiments.ArmFor("100")); // md5 f899...
        Assert.Equal(Experiments.Profile, experiments.ArmFor("3"));  // md5 eccb...
        Assert.Equal(Experiments.Profile, experiments.ArmFor("42")); // md5 a1d0...
    }

    [Theory]
    [InlineData("g", "hot-new")]
    [InlineData("10", "hot-new")]
    [InlineData("", "hot-new")]
    [InlineData("a", "shuffled")]
    public void A_bucket_that_is_not_one_hex_digit_or_an_unknown_algorithm_is_refused(string bucket, string arm)
        => Assert.False(Experiments.AreValid(new Dictionary<string, string> { [bucket] = arm }));

    [Fact]
    public void Known_buckets_and_algorithms_are_accepted()
        => Assert.True(Experiments.AreValid(new Dictionary<string, string> { ["0"] = "hot-new", ["a"] = "Profile", ["F"] = "hot-new", ["d"] = "random" }));
}
