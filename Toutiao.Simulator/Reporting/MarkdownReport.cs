using System.Globalization;
using System.Text;
using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Reporting;

/// <summary>A run as Markdown: its settings, a table per arm and the CTR per round.</summary>
public static class MarkdownReport
{
    public static string Render(SimulationReport report, string plotFileName)
    {
        var o = report.Options;
        var text = new StringBuilder();
        Line(text, $"# Offline evaluation, {report.Started:yyyy-MM-dd}");
        Line(text, "");
        Line(text, $"Simulated readers against Web's HTTP API (`./toutiao eval`); the method: [docs/evaluation.md](../evaluation.md).");
        Line(text, "");
        Line(text, "## Results");
        Line(text, "");
        text.Append(Table(report));
        Line(text, "");
        Line(text, $"Training pages: fresh and history pages of the {o.Rounds} rounds (CTR, reads per page). NDCG@{o.K} and HitRate@{o.K}: " +
                   $"the held-out page after the last round. Coverage: distinct articles shown / {report.CatalogueSize} in the catalogue. " +
                   $"Liked share: articles from the reader's {o.LikedChannels} liked channels on fresh pages after their first {o.LikedShareAfterPages} (over the number of articles given).");
        Line(text, "");
        Line(text, $"![CTR per round and arm]({plotFileName})");
        Line(text, "");
        Line(text, "CTR per round:");
        Line(text, "");
        Line(text, "| arm | " + string.Join(" | ", Enumerable.Range(1, o.Rounds)) + " |");
        Line(text, "| --- |" + string.Concat(Enumerable.Repeat(" ---: |", o.Rounds)));
        foreach (var arm in report.Arms)
        {
            Line(text, $"| {arm.Arm} | " + string.Join(" | ", arm.CtrPerRound.Select(c => double.IsNaN(c) ? "-" : F(c, "0.000"))) + " |");
        }

        Line(text, "");
        Line(text, "## The click model");
        Line(text, "");
        if (report.ClickModel is { } model)
        {
            Line(text, $"Served at the end of the run: version {model.Version} ({DateTimeOffset.FromUnixTimeMilliseconds(model.Version):HH:mm:ss} UTC), fitted on {model.Examples} exposed articles of this run " +
                       $"({model.Clicks} taken up). **AUC {(double.IsNaN(model.Auc) ? "not measured" : F(model.Auc, "0.000"))}** on the newest fifth of them, held out of the fit it was measured on (a time split; Reco measures it when it trains).");
            Line(text, "");
            Line(text, "| feature | weight |");
            Line(text, "| --- | ---: |");
            foreach (var (feature, weight) in model.Weights)
            {
                Line(text, $"| {feature} | {F(weight, "0.000")} |");
            }
        }
        else
        {
            Line(text, "None was served at the end of the run (too few examples yet, or Reco's address was not given): the profile arm's pages were in the sources' order.");
        }

        Line(text, "");
        Line(text, "## The run");
        Line(text, "");
        Line(text, "| setting | value |");
        Line(text, "| --- | --- |");
        Line(text, $"| started | {report.Started:yyyy-MM-dd HH:mm:ss} UTC, took {F(report.Elapsed.TotalSeconds, "0")} s (catalogue {F(report.CatalogueElapsed.TotalSeconds, "0.0")} s) |");
        Line(text, $"| readers | {o.Readers}: " + string.Join(", ", report.Arms.Select(a => $"{a.Readers} {a.Arm}")) + $" (ids `sim-{report.RunTag}-<n>`) |");
        Line(text, $"| rounds | {o.Rounds}, {o.Concurrency} readers at a time |");
        Line(text, $"| seed | {o.Seed} |");
        Line(text, $"| buckets | `{Compact(o.Buckets)}` |");
        Line(text, $"| catalogue | {report.CatalogueSize} articles in {report.Channels} channels" +
                   (o.CataloguePagesPerChannel > 0 ? $" (first {o.CataloguePagesPerChannel} pages of {o.CataloguePerPage} per channel)" : "") +
                   $"; {report.UnknownArticles} articles shown were not in it |");
        Line(text, $"| reader model | click {F(o.LikedClick)} (liked channel) / {F(o.OtherClick)} (other) / at least {F(o.LikedAuthorClick)} (liked author, up to {o.MaxLikedAuthors}) / at least {F(o.LikedWordClick)} (liked title word, up to {o.MaxLikedWords}); " +
                   $"examine position p with {F(o.ExamineDecay)}^p; fatigue ×{F(o.ChannelFatigue)} per earlier article of the channel in the session; " +
                   $"session ends after page n with {F(o.SessionEnd)} + {F(o.SessionEndGrowth)}·(n−1), at most {o.MaxPagesPerSession} pages; " +
                   $"history paging {F(o.HistoryPaging)}; collect {F(o.Collect)} of clicks |");
        Line(text, $"| failed calls | {report.Errors}" + (report.ErrorSamples.Count > 0 ? ": " + string.Join("; ", report.ErrorSamples.Select(e => $"`{e.Replace('|', '/')}`")) : "") + " |");
        return text.ToString();
    }

    /// <summary>One row per arm (also printed to the console).</summary>
    public static string Table(SimulationReport report)
    {
        var k = report.Options.K;
        var text = new StringBuilder();
        Line(text, $"| arm | readers | pages | shown | CTR | reads/page | NDCG@{k} | HitRate@{k} | coverage | ILD | liked share after {report.Options.LikedShareAfterPages} pages | errors | empty pages |");
        Line(text, "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var a in report.Arms)
        {
            Line(text, $"| {a.Arm} | {a.Readers} | {a.Pages} | {a.Shown} | {F(a.Ctr, "0.000")} | {F(a.ReadsPerPage, "0.00")} | {F(a.Ndcg, "0.000")} | {F(a.HitRate, "0.00")} | " +
                       $"{F(a.Coverage, "0.0000")} | {F(a.IntraListDiversity, "0.00")} | {F(a.LikedShareAfter, "0.00")} ({a.LikedShareArticles}) | {a.Errors} | {a.EmptyPages} |");
        }

        return text.ToString();
    }

    /// <summary>The bucket map with runs of digits of one arm as ranges: <c>0-9=profile,a-c=hot-new,d-f=random</c>.</summary>
    public static string Compact(BucketMap buckets)
    {
        var parts = new List<string>();
        for (var start = 0; start < 16;)
        {
            var end = start;
            while (end + 1 < 16 && buckets.ArmOf(end + 1) == buckets.ArmOf(start))
            {
                end++;
            }

            parts.Add((start == end ? $"{start:x}" : $"{start:x}-{end:x}") + "=" + buckets.ArmOf(start));
            start = end + 1;
        }

        return string.Join(',', parts);
    }

    private static string F(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Line(StringBuilder text, string line) => text.Append(line).Append('\n');
}
