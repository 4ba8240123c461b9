using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Reporting;

/// <summary>Writes a run's report as <c>&lt;date&gt;.md</c> and <c>&lt;date&gt;-ctr.png</c> in a directory (a later run of the same day replaces them).</summary>
public static class EvaluationReport
{
    public static (string Markdown, string Plot) Write(SimulationReport report, string directory)
    {
        Directory.CreateDirectory(directory);
        var name = report.Started.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var plot = Path.Combine(directory, name + "-ctr.png");
        CtrPlot.Save(report, plot);
        var markdown = Path.Combine(directory, name + ".md");
        File.WriteAllText(markdown, MarkdownReport.Render(report, Path.GetFileName(plot)));
        return (markdown, plot);
    }
}
