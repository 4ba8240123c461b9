using System.Diagnostics;
using System.Text;
using Toutiao.Tests.Deploy;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// A built service started as a pod starts it: its dll, from its own folder, with nothing of the
/// test run's environment deciding how it behaves, only <c>environment</c>.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(string project, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Path.Combine(Path.GetDirectoryName(DeployedObjects.Directory)!, "..", project, "bin", Configuration, "net10.0");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(directory, project + ".dll") },
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
            || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, line) =>
        {
            Append(line.Data);
            // Kestrel's own line, logged once the port is bound.
            if (line.Data?.Trim() is { } text && text.StartsWith("Now listening on: ", StringComparison.Ordinal))
            {
                _listening.TrySetResult(new Uri(text["Now listening on: ".Length..].Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
            }
        };
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException($"{project} exited with {_process.ExitCode}:\n{Output}"));
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>All the process wrote so far, standard output and error interleaved.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ServiceProcess Start(string project, IReadOnlyDictionary<string, string> environment)
    {
        var service = new ServiceProcess(project, environment);
        Assert.True(service._process.Start());
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The address Kestrel says it listens on; fails if the process exits first.</summary>
    public async Task<Uri> ListeningAsync(TimeSpan timeout)
    {
        try
        {
            return await _listening.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Path.GetFileName(_process.StartInfo.ArgumentList[0])} did not say it listens:\n{Output}");
        }
    }

    /// <summary>The exit code, once the process ended by itself.</summary>
    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif
}
