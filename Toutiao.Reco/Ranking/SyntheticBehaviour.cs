using Toutiao.Contracts.Articles;
namespace Toutiao.Reco.Ranking;

/// <summary>
/// Made-up exposures and behaviour of the size Reco trains on (<c>Ranking:TrainingEvents</c>), for
/// measuring a training's cost without a million real reports: readers who like two channels
/// each, 10-article pages, a click and a read for most articles of a liked channel and a few of
/// the others, padded with reports of articles never shown. Seeded, so every run is the same.
/// Used by the training bench and by <c>./toutiao bench</c> (through a Development endpoint).
/// </summary>
public sealed record SyntheticBehaviour(ArticleCatalog Catalog, List<ExposureRecord> Exposures, List<FeedbackRecord> Feedback)
{
    public static SyntheticBehaviour Generate(int events = 1_000_000, int seed = 11)
    {
        const int Articles = 50_000;
        const int Readers = 20_000;
        var pages = events / 10;
        var random = new Random(seed);
        var catalog = new ArticleCatalog(Enumerable.Range(1, Articles).ToDictionary(n => (long)n, n => new ArticleFacts(1 + (n % 25), n * 60_000L, random.Next(1000), 1 + (n % 1000),
            [new ArticleKeyword($"w{n % 750}", 0.5), new ArticleKeyword($"w{(n * 7) % 750}", 0.3), new ArticleKeyword($"w{(n * 13) % 750}", 0.2)])));
        var tastes = Enumerable.Range(0, Readers).Select(_ => (random.Next(1, 26), random.Next(1, 26))).ToArray();
        var exposures = new List<ExposureRecord>(pages);
        var feedback = new List<FeedbackRecord>(events);
        for (var page = 0; page < pages && feedback.Count < events; page++)
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

        // Pad with reports of articles never shown (they shape profiles only).
        while (feedback.Count < events)
        {
            feedback.Add(new FeedbackRecord($"r{random.Next(Readers)}", random.Next(1, Articles + 1), "click", null, random.Next(pages) * 1_000L));
        }

        return new SyntheticBehaviour(catalog, exposures, feedback);
    }
}
