using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Toutiao.Reco;

/// <summary>Reco's own spans (recall, history read and write) and its recommendation metrics.</summary>
public sealed class RecoTelemetry
{
    public const string SourceName = "Toutiao.Reco";

    public static readonly ActivitySource Source = new(SourceName);

    private readonly Histogram<long> _considered;
    private readonly Histogram<long> _returned;

    public RecoTelemetry(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(SourceName);
        _considered = meter.CreateHistogram<long>("toutiao.reco.candidates.considered", "{article}", "Candidates recalled for one page.");
        _returned = meter.CreateHistogram<long>("toutiao.reco.candidates.returned", "{article}", "Articles returned for one page.");
    }

    public void RecordPage(string kind, int considered, int returned)
    {
        var tag = new KeyValuePair<string, object?>("page", kind);
        _considered.Record(considered, tag);
        _returned.Record(returned, tag);
    }
}
