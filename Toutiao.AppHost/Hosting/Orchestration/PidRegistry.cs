using System.Diagnostics;
using System.Globalization;

namespace Toutiao.AppHost.Hosting.Orchestration;

/// <summary>
/// Remembers the children of this run in <c>{state}/apphost.pids</c>, so that a run after a crash
/// (kill -9 of the AppHost) stops what the previous run left behind. A pid is only trusted
/// together with the process start time recorded beside it, so a recycled pid is never killed.
/// </summary>
public sealed class PidRegistry(string stateDirectory)
{
    private readonly object _gate = new();
    private readonly string _path = Path.Combine(stateDirectory, "apphost.pids");
    private readonly Dictionary<int, string> _live = [];

    /// <summary>Stops the leftovers of a previous run; returns how many there were.</summary>
    public async Task<int> CleanUpPreviousRunAsync(TimeSpan grace)
    {
        if (!File.Exists(_path))
        {
            return 0;
        }

        var leftovers = new List<int>();
        foreach (var line in await File.ReadAllLinesAsync(_path))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var pid) && StartTime(pid) == parts[1])
            {
                leftovers.Add(pid);
            }
        }

        foreach (var pid in leftovers)
        {
            ManagedProcess.SendTerm(pid);
        }

        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline && leftovers.Any(IsAlive))
        {
            await Task.Delay(100);
        }

        foreach (var pid in leftovers.Where(IsAlive))
        {
            try
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // Gone meanwhile.
            }
        }

        File.Delete(_path);
        return leftovers.Count;
    }

    public void Add(int pid)
    {
        lock (_gate)
        {
            if (StartTime(pid) is { } started)
            {
                _live[pid] = started;
                Save();
            }
        }
    }

    public void Remove(int pid)
    {
        lock (_gate)
        {
            if (_live.Remove(pid))
            {
                Save();
            }
        }
    }

    private void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        if (_live.Count == 0)
        {
            File.Delete(_path);
            return;
        }

        File.WriteAllLines(_path, _live.Select(p => $"{p.Key} {p.Value}"));
    }

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>Field 22 of /proc/{pid}/stat: when the process started, in clock ticks since boot.</summary>
    private static string? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[19];
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
