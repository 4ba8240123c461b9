namespace Toutiao.Tests.Infrastructure;

/// <summary>The processes running on this machine, as <c>/proc</c> shows them.</summary>
public static class LocalProcesses
{
    public sealed record Info(int Pid, string CommandLine, string Environment, string WorkingDirectory)
    {
        /// <summary>
        /// Whether the process belongs to a data directory: named on its command line, or its working
        /// directory (redis-server rewrites its command line to <c>redis-server host:port</c>).
        /// </summary>
        public bool Uses(string directory)
            => CommandLine.Contains(directory, StringComparison.Ordinal) || WorkingDirectory.StartsWith(directory, StringComparison.Ordinal);
    }

    /// <summary>Sends a signal with kill(1): <c>STOP</c> freezes a server as a stuck machine would, <c>CONT</c> thaws it.</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} exited with {kill.ExitCode}");
        }
    }

    /// <summary>The mariadbd of a data directory.</summary>
    public static Info MariaDbOf(string directory)
        => All().Single(p => p.Uses(directory) && p.CommandLine.Contains("mariadbd", StringComparison.Ordinal));

    /// <summary>The redis-server of a resource (<c>redis</c>, <c>cache</c>) whose data is under a directory: it runs in its own data directory.</summary>
    public static Info RedisOf(string directory, string resource)
        => All().Single(p => p.WorkingDirectory == Path.Combine(directory, resource) && p.CommandLine.Contains("redis-server", StringComparison.Ordinal));

    /// <summary>A service's own process in an app model: DCP starts a project with <c>dotnet run</c>, whose (last) child it is.</summary>
    public static int ServiceOf(Aspire.Hosting.ApplicationModel.ResourceEvent resource)
    {
        var pid = Convert.ToInt32(resource.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value, System.Globalization.CultureInfo.InvariantCulture);
        while (Children(pid).FirstOrDefault() is { } child and > 0)
        {
            pid = child;
        }

        return pid;
    }

    private static IEnumerable<int> Children(int parent)
        => Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent);

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0; // gone meanwhile
        }
    }

    public static List<Info> All()
    {
        var processes = new List<Info>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                processes.Add(new Info(pid,
                    File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' '),
                    File.ReadAllText(Path.Combine(directory, "environ")),
                    new DirectoryInfo(Path.Combine(directory, "cwd")).LinkTarget ?? ""));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked, or is not ours to read.
            }
        }

        return processes;
    }
}
