namespace Toutiao.AppHost.Hosting.Orchestration;

public sealed record ConsoleLine(long Number, DateTimeOffset Timestamp, string Text, bool IsError);

/// <summary>
/// The last lines a resource instance printed. Numbers come from one sequence shared by every log
/// in the process, so a reader following all replicas of a resource with a single cursor
/// (<see cref="Since(IEnumerable{ConsoleLog}, long)"/>) never skips a line of one of them.
/// </summary>
public sealed class ConsoleLog(int capacity = 10_000)
{
    // One gate for numbering and reading: a reader of several logs sees every line numbered below
    // its newest one, never a later-numbered line of one replica before an earlier line of another.
    private static readonly Lock Gate = new();
    private static long s_next;

    private readonly Queue<ConsoleLine> _lines = new();

    public event Action<ConsoleLine>? LineAdded;

    public ConsoleLine Add(string text, bool isError)
    {
        ConsoleLine line;
        lock (Gate)
        {
            line = new ConsoleLine(++s_next, DateTimeOffset.UtcNow, text, isError);
            _lines.Enqueue(line);
            while (_lines.Count > capacity)
            {
                _lines.Dequeue();
            }
        }

        LineAdded?.Invoke(line);
        return line;
    }

    /// <summary>Lines numbered after <paramref name="after"/>, oldest first.</summary>
    public IReadOnlyList<ConsoleLine> Since(long after = 0) => Since([this], after).Select(l => l.Line).ToList();

    /// <summary>Lines of several logs (the replicas of one resource) numbered after <paramref name="after"/>, in the order they were printed.</summary>
    public static IReadOnlyList<(ConsoleLog Log, ConsoleLine Line)> Since(IEnumerable<ConsoleLog> logs, long after)
    {
        lock (Gate)
        {
            return logs.SelectMany(log => log._lines.Where(l => l.Number > after).Select(l => (log, l)))
                       .OrderBy(entry => entry.l.Number)
                       .ToList();
        }
    }

    public bool Contains(string text) => Since().Any(l => l.Text.Contains(text, StringComparison.Ordinal));
}
