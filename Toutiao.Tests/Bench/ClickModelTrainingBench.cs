extern alias reco;

using System.Diagnostics;
using Xunit.Abstractions;
using ArticleCatalog = reco::Toutiao.Reco.Ranking.ArticleCatalog;
using ArticleFacts = reco::Toutiao.Reco.Ranking.ArticleFacts;
using ClickModelTrainer = reco::Toutiao.Reco.Ranking.ClickModelTrainer;
using ExposureJoin = reco::Toutiao.Reco.Ranking.ExposureJoin;
using ExposureRecord = reco::Toutiao.Reco.Ranking.ExposureRecord;
using FeedbackRecord = reco::Toutiao.Reco.Ranking.FeedbackRecord;

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
        const int Articles = 50_000;
        const int Readers = 20_000;
        const int Pages = 100_000;
        var random = new Random(11);
        var catalog = new ArticleCatalog(Enumerable.Range(1, Articles).ToDictionary(n => (long)n, n => new ArticleFacts(1 + (n % 25), n * 60_000L, random.Next(1000), 1 + (n % 1000))));
        var tastes = Enumerable.Range(0, Readers).Select(_ => (random.Next(1, 26), random.Next(1, 26))).ToArray();
        var exposures = new List<ExposureRecord>(Pages);
        var feedback = new List<FeedbackRecord>(1_000_000);
        for (var page = 0; page < Pages && feedback.Count < 1_000_000; page++)
        {
            var reader = random.Next(Readers);
            var at = page * 1_000L;
            var ids = Enumerable.Range(0, 10).Select(_ => (long)random.Next(1, Articles + 1)).ToArray();
            exposures.Add(new ExposureRecord($"r{reader}", ids, at));
            foreach (var id in ids)
            {
                var channel = (int)(1 + (id % 25));
                if (random.NextDouble() < (channel == tastes[reader].Item1 || channel == tastes[reader].Item2 ? 0.6 : 0.05))
                {
                    feedback.Add(new FeedbackRecord($"r{reader}", id, "click", null, at + 500));
                    feedback.Add(new FeedbackRecord($"r{reader}", id, "read", random.Next(10, 300), at + 900));
                }
            }
        }

        // Pad to a million events with reports of articles never shown (they shape profiles only).
        while (feedback.Count < 1_000_000)
        {
            feedback.Add(new FeedbackRecord($"r{random.Next(Readers)}", random.Next(1, Articles + 1), "click", null, random.Next(Pages) * 1_000L));
        }

        var stopwatch = Stopwatch.StartNew();
        var examples = ExposureJoin.Join(exposures, feedback, catalog, TimeSpan.FromHours(1), TimeSpan.FromDays(3), 10, 20);
        var joined = stopwatch.Elapsed;
        var model = ClickModelTrainer.Train(examples, version: 1);
        var total = stopwatch.Elapsed;

        output.WriteLine($"click model training: {feedback.Count:N0} events, {exposures.Count:N0} exposures, {examples.Count:N0} examples ({model.Clicks:N0} taken up): join {joined.TotalSeconds:F1} s, fit and AUC {(total - joined).TotalSeconds:F1} s, total {total.TotalSeconds:F1} s; AUC {model.Auc:F3}");
        Assert.True(examples.Count > 900_000);
    }
}
