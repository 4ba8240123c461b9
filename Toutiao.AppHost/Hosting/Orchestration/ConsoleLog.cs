namespace Toutiao.AppHost.Hosting.Orchestration;

public sealed record ConsoleLine(long Number, DateTimeOffset Timestamp, string Text, bool IsError);

/// <summary>The last lines a resource printed, numbered so a reader can ask for what is new.</summary>
public sealed class ConsoleLog(int capacity = 10_000)
{
    private readonly Queue<ConsoleLine> _lines = new();
    private long _next;

    public event Action<ConsoleLine>? LineAdded;

    public ConsoleLine Add(string text, bool isError)
    {
        ConsoleLine line;
        lock (_lines)
        {
            line = new ConsoleLine(++_next, DateTimeOffset.UtcNow, text, isError);
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
    public IReadOnlyList<ConsoleLine> Since(long after = 0)
    {
        lock (_lines)
        {
            return _lines.Where(l => l.Number > after).ToList();
        }
    }

    public bool Contains(string text) => Since().Any(l => l.Text.Contains(text, StringComparison.Ordinal));
}
