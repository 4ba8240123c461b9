using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.Tests.AppHost;

public sealed class ConsoleLogTests
{
    [Fact]
    public async Task One_cursor_follows_every_replica_without_skipping_or_repeating_a_line()
    {
        ConsoleLog[] replicas = [new(), new()];
        const int LinesEach = 2_000;
        var writers = replicas.Select((log, r) => Task.Run(() =>
        {
            for (var i = 0; i < LinesEach; i++)
            {
                log.Add($"replica {r} line {i}", isError: i % 7 == 0);
            }
        })).ToArray();

        // A reader polling while both replicas print, as the console page does.
        var seen = new List<(ConsoleLog Log, ConsoleLine Line)>();
        var after = 0L;
        while (true)
        {
            var done = writers.All(w => w.IsCompleted);
            var batch = ConsoleLog.Since(replicas, after);
            seen.AddRange(batch);
            after = batch.Count > 0 ? batch[^1].Line.Number : after;
            if (done)
            {
                break;
            }

            await Task.Yield();
        }

        await Task.WhenAll(writers);
        Assert.Equal(2 * LinesEach, seen.Count);
        Assert.Equal(2 * LinesEach, seen.Select(s => s.Line.Number).Distinct().Count());
        for (var r = 0; r < replicas.Length; r++)
        {
            Assert.Equal(Enumerable.Range(0, LinesEach).Select(i => $"replica {r} line {i}"),
                seen.Where(s => s.Log == replicas[r]).Select(s => s.Line.Text));
        }
    }

    [Fact]
    public void A_log_keeps_only_its_newest_lines()
    {
        var log = new ConsoleLog(capacity: 3);
        for (var i = 0; i < 5; i++)
        {
            log.Add($"line {i}", isError: false);
        }

        Assert.Equal(["line 2", "line 3", "line 4"], log.Since().Select(l => l.Text));
        Assert.Equal(["line 4"], log.Since(log.Since()[1].Number).Select(l => l.Text));
    }
}
