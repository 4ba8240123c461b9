namespace Toutiao.Simulator.Runs;

/// <summary>A finished run: its settings, the catalogue it learned and each arm's figures.</summary>
public sealed record SimulationReport
{
    public required SimulationOptions Options { get; init; }

    public required string RunTag { get; init; }

    public required DateTimeOffset Started { get; init; }

    public required TimeSpan Elapsed { get; init; }

    public required int Channels { get; init; }

    public required int CatalogueSize { get; init; }

    public required TimeSpan CatalogueElapsed { get; init; }

    public required IReadOnlyList<ArmResult> Arms { get; init; }

    /// <summary>Every failed call, catalogue included.</summary>
    public required int Errors { get; init; }

    public required IReadOnlyList<string> ErrorSamples { get; init; }

    /// <summary>Articles on pages that the catalogue did not list (counted as no liked channel).</summary>
    public required int UnknownArticles { get; init; }

    /// <summary>The click model Reco served at the end (null: none served, or Reco's address not given).</summary>
    public Reporting.ClickModelCard? ClickModel { get; init; }

    public ArmResult Arm(string arm) => Arms.Single(a => a.Arm == arm);
}
