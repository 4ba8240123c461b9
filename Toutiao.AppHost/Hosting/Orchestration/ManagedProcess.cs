using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Toutiao.AppHost.Hosting.Orchestration;

/// <summary>
/// A child process of the AppHost: its output goes line by line into a <see cref="ConsoleLog"/>,
/// it runs in its own session (so a terminal's Ctrl+C reaches only the AppHost, which then stops
/// children in order), and it is stopped with SIGTERM, then SIGKILL after a grace period.
/// </summary>
public sealed partial class ManagedProcess
{
    private const int SigTerm = 15;
    private readonly Process _process;

    private ManagedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public Task<int> Exited { get; private init; } = Task.FromResult(0);

    public static ManagedProcess Start(
        string fileName,
        IEnumerable<string> arguments,
        ConsoleLog console,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        fileName = Resolve(fileName);
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
        var info = new ProcessStartInfo(setsid ?? fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        if (setsid is not null)
        {
            // Not a process-group leader, so setsid execs in place: the pid we see is the server's.
            info.ArgumentList.Add(fileName);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var streamsClosed = new CountdownEvent(2);
        process.OutputDataReceived += (_, e) => Forward(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => Forward(e.Data, isError: true);
        process.Exited += (_, _) => Task.Run(() =>
        {
            // Let the last lines arrive before saying it is over.
            streamsClosed.Wait(TimeSpan.FromSeconds(2));
            exited.TrySetResult(process.ExitCode);
        });

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new DistributedApplicationException($"Could not start {fileName}: {ex.Message}", ex);
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process) { Exited = exited.Task };

        void Forward(string? line, bool isError)
        {
            if (line is null)
            {
                streamsClosed.Signal();
                return;
            }

            console.Add(line, isError);
        }
    }

    /// <summary>The full path of a program, so that a missing one fails here and not inside setsid.</summary>
    private static string Resolve(string fileName)
    {
        if (fileName.Contains(Path.DirectorySeparatorChar))
        {
            return File.Exists(fileName) ? fileName : throw new DistributedApplicationException($"Could not start {fileName}: no such file.");
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0)
            .Select(d => Path.Combine(d, fileName))
            .FirstOrDefault(File.Exists)
            ?? throw new DistributedApplicationException($"Could not start {fileName}: it is not on the PATH.");
    }

    /// <summary>Asks the process to stop (SIGTERM), and kills it with everything it started when it does not within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        SendTerm(_process.Id);
        try
        {
            await Exited.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            Kill();
            await Exited.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public static void SendTerm(int pid)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            _ = NativeKill(pid, SigTerm);
        }
        else
        {
            try
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int NativeKill(int pid, int signal);
}
