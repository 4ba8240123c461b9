extern alias reco;

using System.Diagnostics;
using Xunit.Abstractions;
using ClickModelTrainer = reco::Toutiao.Reco.Ranking.ClickModelTrainer;
using ExposureJoin = reco::Toutiao.Reco.Ranking.ExposureJoin;
using SyntheticBehaviour = reco::Toutiao.Reco.Ranking.SyntheticBehaviour;

namespace Toutiao.Tests.Bench;

/// <summary>
/// How long one training of the click model takes on a million behaviour events (Reco reads at most
/// <c>Ranking:TrainingEvents</c>, 1,000,000): the join and the fit, in this process, one core for the
/// fit as in Reco. Run by <c>./toutiao bench</c> (category Bench: not part of <c>./toutiao test</c>);
/// it prints the figures and asserts nothing about time.
/// </summary>
[Trait("Category", "Bench")]
public sealed class ClickModelTrainingBench(ITestOutputHelper output)
{
    [Fact]
    public void Training_on_a_million_events()
    {
        var (catalog, exposures, feedback) = SyntheticBehaviour.Generate(1_000_000);

        var stopwatch = Stopwatch.StartNew();
        var examples = ExposureJoin.Join(exposures, feedback, catalog, TimeSpan.FromHours(1), TimeSpan.FromDays(3), 10, 20);
        var joined = stopwatch.Elapsed;
        var model = ClickModelTrainer.Train(examples, version: 1);
        var total = stopwatch.Elapsed;

        output.WriteLine($"click model training: {feedback.Count:N0} events, {exposures.Count:N0} exposures, {examples.Count:N0} examples ({model.Clicks:N0} taken up): join {joined.TotalSeconds:F1} s, fit and AUC {(total - joined).TotalSeconds:F1} s, total {total.TotalSeconds:F1} s; AUC {model.Auc:F3}");
        Assert.True(examples.Count > 900_000);
    }
}
