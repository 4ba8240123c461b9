using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Reporting;

/// <summary>CTR per round, a line per arm, as a PNG (ScottPlot on SkiaSharp). Labels are ASCII: no font is needed for other scripts.</summary>
public static class CtrPlot
{
    public static void Save(SimulationReport report, string path)
    {
        var plot = new ScottPlot.Plot();
        var rounds = Enumerable.Range(1, report.Options.Rounds).Select(r => (double)r).ToArray();
        foreach (var arm in report.Arms)
        {
            var line = plot.Add.Scatter(rounds, arm.CtrPerRound.ToArray());
            line.LegendText = $"{arm.Arm} ({arm.Readers} readers)";
            line.LineWidth = 2;
            line.MarkerSize = 6;
        }

        plot.Title($"CTR per round and arm ({report.Started:yyyy-MM-dd}, seed {report.Options.Seed})");
        plot.XLabel("round (simulated day)");
        plot.YLabel("CTR (clicks / articles shown)");
        plot.Axes.SetLimitsY(0, Math.Max(0.05, report.Arms.SelectMany(a => a.CtrPerRound).Where(c => !double.IsNaN(c)).DefaultIfEmpty(0).Max() * 1.15));
        plot.Axes.SetLimitsX(0.5, report.Options.Rounds + 0.5);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        plot.SavePng(path, 800, 450);
    }
}
