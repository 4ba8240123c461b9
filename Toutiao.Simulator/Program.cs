using System.Collections;
using Toutiao.Simulator.Reporting;
using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator;

/// <summary>
/// <c>./toutiao eval</c> runs this under Toutiao.Eval: simulated readers against Web, then the
/// report (Markdown and a PNG) in the output directory. Exit code 1 when any call failed or any
/// page was empty (the report says which), 2 for bad settings.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        SimulatorSettings settings;
        try
        {
            var environment = Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
                .ToDictionary(e => (string)e.Key, e => (string?)e.Value);
            settings = SimulatorSettings.Read(args, environment);
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };

        var options = settings.Options;
        Console.WriteLine($"Simulating {options.Readers} readers x {options.Rounds} rounds (seed {options.Seed}, buckets {options.Buckets}) against {settings.Web}");
        using var web = new HttpClient { BaseAddress = settings.Web, Timeout = TimeSpan.FromSeconds(30) };
        var report = await Simulation.RunAsync(web, options, Console.WriteLine, stop.Token);

        if (settings.Reco is { } reco)
        {
            try
            {
                report = report with { ClickModel = await ClickModelCard.FetchAsync(reco, stop.Token) };
            }
            catch (HttpRequestException ex)
            {
                Console.Error.WriteLine($"warning: Reco's click model could not be read ({ex.Message}); the report goes without it.");
            }
        }

        var written = EvaluationReport.Write(report, settings.Output);
        Console.WriteLine(MarkdownReport.Table(report));
        Console.WriteLine($"Report: {written.Markdown}; plot: {written.Plot}");

        var empty = report.Arms.Sum(a => a.EmptyPages);
        if (report.Errors > 0 || empty > 0)
        {
            Console.Error.WriteLine($"error: {report.Errors} failed calls and {empty} empty pages: {string.Join(" | ", report.ErrorSamples)}");
            return 1;
        }

        return 0;
    }
}
