using System.Diagnostics;
using System.Diagnostics.Metrics;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco;

/// <summary>Reco's own spans (recall, history read and write) and its recommendation metrics.</summary>
public sealed class RecoTelemetry
{
    public const string SourceName = "Toutiao.Reco";

    public static readonly ActivitySource Source = new(SourceName);

    private readonly Histogram<long> _considered;
    private readonly Histogram<long> _returned;
    private readonly Counter<long> _exposures;
    private readonly Counter<long> _feedback;
    private readonly Counter<long> _trainings;
    private readonly Counter<long> _unusableModels;
    private readonly Counter<long> _unusableProfiles;
    private readonly long[] _exposed = new long[Experiments.Arms.Length];
    private readonly long[] _clicked = new long[Experiments.Arms.Length];

    public RecoTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(SourceName);
        _considered = meter.CreateHistogram<long>("toutiao.reco.candidates.considered", "{article}", "Candidates recalled for one page.");
        _returned = meter.CreateHistogram<long>("toutiao.reco.candidates.returned", "{article}", "Articles returned for one page.");
        _exposures = meter.CreateCounter<long>("toutiao.reco.exposures", "{article}", "Articles on fresh pages of readers with an id, by algorithm.");
        _feedback = meter.CreateCounter<long>("toutiao.reco.feedback", "{action}", "Clicks, reads, collects and shares applied, by algorithm and action.");
        _trainings = meter.CreateCounter<long>("toutiao.reco.model.trainings", "{training}", "Click model trainings, by outcome: trained, too_few (examples), elsewhere (another replica holds the lock), failed.");
        _unusableModels = meter.CreateCounter<long>("toutiao.reco.model.unusable", "{model}", "Stored click models that could not be served (damaged, or for other features).");
        _unusableProfiles = meter.CreateCounter<long>("toutiao.reco.profile.unusable", "{profile}", "Readers' profiles with no usable field, served the page without them.");
        // Per process: exposures counted where pages are served, clicks where the consumer applies
        // them; with one Reco the two are the same process.
        meter.CreateObservableGauge("toutiao.reco.ctr", () => Experiments.Arms.Select((arm, i) =>
                new Measurement<double>(Volatile.Read(ref _exposed[i]) == 0 ? 0 : (double)Volatile.Read(ref _clicked[i]) / Volatile.Read(ref _exposed[i]),
                    new KeyValuePair<string, object?>("algorithm", arm))),
            "1", "Clicks per exposed article since this process started, by algorithm.");
    }

    public void RecordExposures(string arm, int articles)
    {
        _exposures.Add(articles, new KeyValuePair<string, object?>("algorithm", arm));
        Interlocked.Add(ref _exposed[Index(arm)], articles);
    }

    public void RecordFeedback(string arm, string action)
    {
        _feedback.Add(1, new("algorithm", arm), new("action", action));
        if (action == "click")
        {
            Interlocked.Increment(ref _clicked[Index(arm)]);
        }
    }

    public void RecordTraining(string outcome) => _trainings.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void RecordUnusableProfile() => _unusableProfiles.Add(1, new KeyValuePair<string, object?>("reason", "damaged"));

    public void RecordUnusableModel() => _unusableModels.Add(1, new KeyValuePair<string, object?>("reason", "unreadable"));

    private static int Index(string arm) => Math.Max(0, Array.IndexOf(Experiments.Arms, arm));

    public void RecordPage(string kind, int considered, int returned)
    {
        var tag = new KeyValuePair<string, object?>("page", kind);
        _considered.Record(considered, tag);
        _returned.Record(returned, tag);
    }
}
