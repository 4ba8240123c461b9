using Toutiao.Reco.Profiles;

namespace Toutiao.Reco.Ranking;

/// <summary>A fresh page as Web logged it: who saw which articles, in order, when (Unix ms).</summary>
public readonly record struct ExposureRecord(string UserId, long[] ArticleIds, long AtMs);

/// <summary>What a reader reported doing with an article, when (Unix ms).</summary>
public readonly record struct FeedbackRecord(string UserId, long ArticleId, string Action, int? ReadTimeSeconds, long AtMs);

/// <summary>One exposed article with the features it had when it was shown, and whether the reader took it up.</summary>
public sealed record TrainingExample(float[] Features, bool Clicked, long AtMs);

/// <summary>
/// Joins exposures with the feedback that followed them into training examples, replaying the
/// behaviour in time order so that each example's features are what the reader's profile said
/// before the page was shown (never what they did after it).
/// <list type="bullet">
/// <item>Every article of an exposed page is an example; a click, read, collect or share of it by
/// the same reader within <c>labelWindow</c> makes it positive, otherwise it stays negative (the
/// exposure stream gives the negatives).</item>
/// <item>An article shown to a reader again is not a second example: the first showing is.</item>
/// <item>Feedback after the window (a late click) labels nothing, feedback without an exposure
/// (a page whose exposure was trimmed from the stream) neither; both still shape the replayed
/// profile, as they shaped the live one.</item>
/// <item>Articles not in the catalogue (no longer approved) are passed over.</item>
/// </list>
/// </summary>
public static class ExposureJoin
{
    public static List<TrainingExample> Join(IEnumerable<ExposureRecord> exposures, IEnumerable<FeedbackRecord> feedback,
        ArticleCatalog catalog, TimeSpan labelWindow, TimeSpan profileHalfLife, int channelsKept, int authorsKept, int keywordsKept = 30)
    {
        // Exposures before feedback at the same millisecond: a page is shown before it is clicked.
        var timeline = exposures.Where(e => e.UserId.Length > 0).Select(e => (e.AtMs, Order: 0, Exposure: e, Feedback: default(FeedbackRecord)))
            .Concat(feedback.Where(f => f.UserId.Length > 0).Select(f => (f.AtMs, Order: 1, Exposure: default(ExposureRecord), Feedback: f)))
            .OrderBy(e => e.AtMs).ThenBy(e => e.Order);

        var examples = new List<TrainingExample>();
        var shown = new Dictionary<(string User, long Article), (int Example, long Until)>();
        var profiles = new Dictionary<string, ReplayedProfile>(StringComparer.Ordinal);
        var windowMs = (long)labelWindow.TotalMilliseconds;
        foreach (var (atMs, _, exposure, signal) in timeline)
        {
            if (exposure.ArticleIds is { } articleIds)
            {
                var profile = profiles.GetValueOrDefault(exposure.UserId);
                var total = profile?.Channels.Values.Sum() ?? 0;
                var authorTotal = profile?.Authors.Values.Sum() ?? 0;
                var keywordNorm = profile is null ? 0 : ClickFeatures.Norm(profile.Keywords.Values);
                for (var position = 0; position < articleIds.Length; position++)
                {
                    if (!catalog.TryGet(articleIds[position], out var article) || shown.ContainsKey((exposure.UserId, articleIds[position])))
                    {
                        continue;
                    }

                    var affinity = profile is null ? 0 : ClickFeatures.Affinity(profile.Channels, total, article.ChannelId);
                    var authorAffinity = profile is null ? 0 : ClickFeatures.Affinity(profile.Authors, authorTotal, article.AuthorId);
                    var keywordSimilarity = profile is null ? 0 : ClickFeatures.KeywordSimilarity(profile.Keywords, keywordNorm, article.KeywordList);
                    shown[(exposure.UserId, articleIds[position])] = (examples.Count, atMs + windowMs);
                    examples.Add(new TrainingExample(ClickFeatures.For(affinity, authorAffinity, keywordSimilarity, article, catalog, position), Clicked: false, atMs));
                }

                continue;
            }

            if (signal.Action is "click" or "read" or "collect" or "share"
                && shown.TryGetValue((signal.UserId, signal.ArticleId), out var example) && atMs <= example.Until)
            {
                examples[example.Example] = examples[example.Example] with { Clicked = true };
            }

            var weight = ProfileSignals.Weight(signal.Action, signal.ReadTimeSeconds);
            if (weight != 0 && catalog.TryGet(signal.ArticleId, out var facts))
            {
                if (!profiles.TryGetValue(signal.UserId, out var replayed))
                {
                    profiles[signal.UserId] = replayed = new ReplayedProfile();
                }

                replayed.Add(facts, weight, atMs, profileHalfLife, channelsKept, authorsKept, keywordsKept);
            }
        }

        return examples;
    }

    /// <summary>A reader's channel, author and keyword weights as the live profile keeps them: decayed, at most the strongest few, nothing at or below zero.</summary>
    private sealed class ReplayedProfile
    {
        public Dictionary<int, double> Channels { get; } = [];

        public Dictionary<long, double> Authors { get; } = [];

        public Dictionary<string, double> Keywords { get; } = new(StringComparer.Ordinal);

        private long _at;

        public void Add(ArticleFacts article, double weight, long atMs, TimeSpan halfLife, int channelsKept, int authorsKept, int keywordsKept)
        {
            if (_at > 0 && atMs > _at)
            {
                var factor = Math.Pow(0.5, (atMs - _at) / halfLife.TotalMilliseconds);
                Scale(Channels, factor);
                Scale(Authors, factor);
                Scale(Keywords, factor);
            }

            _at = Math.Max(_at, atMs);
            Channels[article.ChannelId] = Channels.GetValueOrDefault(article.ChannelId) + weight;
            if (article.AuthorId > 0)
            {
                Authors[article.AuthorId] = Authors.GetValueOrDefault(article.AuthorId) + weight;
            }

            foreach (var keyword in article.KeywordList)
            {
                Keywords[keyword.Keyword] = Keywords.GetValueOrDefault(keyword.Keyword) + (weight * keyword.Weight);
            }

            Keep(Channels, channelsKept);
            Keep(Authors, authorsKept);
            Keep(Keywords, keywordsKept);
        }

        private static void Scale<TKey>(Dictionary<TKey, double> weights, double factor)
            where TKey : notnull
        {
            foreach (var key in weights.Keys.ToList())
            {
                weights[key] *= factor;
            }
        }

        private static void Keep<TKey>(Dictionary<TKey, double> weights, int kept)
            where TKey : notnull
        {
            foreach (var gone in weights.Where(w => w.Value <= 0.001).Select(w => w.Key).ToList())
            {
                weights.Remove(gone);
            }

            if (weights.Count > kept)
            {
                foreach (var weakest in weights.OrderByDescending(w => w.Value).Skip(kept).Select(w => w.Key).ToList())
                {
                    weights.Remove(weakest);
                }
            }
        }
    }
}
