using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Toutiao.AppHost.Hosting.Orchestration;

/// <summary>
/// Runs the resource graph: each instance waits for what it depends on, starts, is health-checked
/// until it stops; stopping goes in reverse dependency order with a grace period.
/// </summary>
internal sealed partial class Orchestrator(IReadOnlyList<Resource> resources, OrchestrationContext context, ILogger logger)
{
    private static readonly TimeSpan HealthyProbeInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan UnhealthyProbeInterval = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _runs = [];
    private readonly List<Task> _startPhases = [];
    private volatile bool _stopRequested;

    public void Start()
    {
        foreach (var instance in resources.Where(r => r.IsStarted).SelectMany(r => r.Instances))
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _startPhases.Add(started.Task);
            _runs.Add(Task.Run(() => RunAsync(instance, started, _stopping.Token)));
        }
    }

    /// <summary>Stops a resource's instances at a person's request (dashboard); they show as Exited.</summary>
    public async Task StopResourceAsync(Resource resource, TimeSpan grace)
    {
        foreach (var instance in resource.Instances.Where(i => i.State is ResourceState.Running or ResourceState.Starting))
        {
            instance.StopRequested = true;
            await resource.StopAsync(instance, grace);
            if (instance.Process is { } process)
            {
                context.Pids.Remove(process.Id);
                instance.ExitCode = process.HasExited ? await process.Exited : null;
            }

            // Settled here, not by the exit watcher, so a start right after sees it stopped.
            instance.Process = null;
            instance.SetState(ResourceState.Exited, "stopped from the dashboard");
        }
    }

    /// <summary>Starts again the instances of a resource that are not running; each counts a restart.</summary>
    public void StartResource(Resource resource)
    {
        foreach (var instance in resource.Instances.Where(i => i.State is ResourceState.Exited or ResourceState.FailedToStart))
        {
            instance.StopRequested = false;
            instance.RestartCount++;
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_runs)
            {
                _startPhases.Add(started.Task);
                _runs.Add(Task.Run(() => RunAsync(instance, started, _stopping.Token)));
            }
        }
    }

    /// <summary>Waits until <paramref name="resource"/> is Running (and Healthy when asked); throws when it cannot get there.</summary>
    public static async Task WaitForAsync(Resource resource, bool healthy, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changes = resource.Instances.Select(i => i.NextChange()).ToArray();
            var state = resource.State;
            if (state == ResourceState.Running && (!healthy || resource.Health == HealthStatus.Healthy))
            {
                return;
            }

            if (state is ResourceState.FailedToStart or ResourceState.Exited)
            {
                var reason = resource.Instances.Select(i => i.Message).FirstOrDefault(m => m is not null) ?? state.ToString();
                throw new DistributedApplicationException($"'{resource.Name}' is {state}: {reason}");
            }

            if (!resource.IsStarted)
            {
                throw new DistributedApplicationException($"'{resource.Name}' is not started by this AppHost.");
            }

            await Task.WhenAny(changes).WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync(ResourceInstance instance, TaskCompletionSource started, CancellationToken cancellationToken)
    {
        try
        {
            await StartInstanceAsync(instance, cancellationToken);
        }
        finally
        {
            // Stopping waits for this, so that nothing is started after it has stopped everything.
            started.TrySetResult();
        }

        if (instance.State == ResourceState.Running)
        {
            await ProbeHealthAsync(instance, cancellationToken);
        }
    }

    private async Task StartInstanceAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        var resource = instance.Resource;
        try
        {
            instance.SetState(ResourceState.Waiting);
            foreach (var dependency in resource.WaitsFor)
            {
                await WaitForAsync(dependency, healthy: true, cancellationToken);
            }

            // A reference needs at least the connection string or endpoint of what it refers to.
            foreach (var reference in resource.References.Except(resource.WaitsFor).Where(r => r.IsStarted))
            {
                await WaitForAsync(reference, healthy: false, cancellationToken);
            }
        }
        catch (DistributedApplicationException ex)
        {
            instance.SetState(ResourceState.FailedToStart, $"A dependency failed: {ex.Message}");
            LogFailedToStart(instance.Name, instance.Message!);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        instance.SetState(ResourceState.Starting);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            await resource.StartAsync(instance, context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            instance.SetState(ResourceState.FailedToStart, ex.Message);
            LogFailedToStart(instance.Name, ex.Message);
            return;
        }

        instance.StartedAt = DateTimeOffset.UtcNow;
        instance.SetState(ResourceState.Running);
        if (instance.Process is { } process)
        {
            context.Pids.Add(process.Id);
            _ = WatchExitAsync(instance, process);
        }
    }

    private async Task WatchExitAsync(ResourceInstance instance, ManagedProcess process)
    {
        var exitCode = await process.Exited;
        context.Pids.Remove(process.Id);
        if (!ReferenceEquals(instance.Process, process))
        {
            // The instance was started again meanwhile; this exit belongs to its past.
            return;
        }

        instance.ExitCode = exitCode;
        if (!_stopRequested && !instance.StopRequested && instance.State == ResourceState.Running)
        {
            LogExited(instance.Name, exitCode);
        }

        instance.SetState(ResourceState.Exited, instance.StopRequested ? "stopped from the dashboard" : $"exited with code {exitCode}");
    }

    private static async Task ProbeHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && instance.State == ResourceState.Running)
        {
            bool healthy;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                using var untraced = UntracedProbe();
                healthy = await instance.Resource.CheckHealthAsync(instance, timeout.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                healthy = false;
            }

            instance.SetHealth(healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy);
            try
            {
                await Task.Delay(healthy ? HealthyProbeInterval : UnhealthyProbeInterval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Probes run every few seconds for as long as the AppHost lives; like the services' health
    /// endpoints they stay out of traces. A parent that is not recorded makes parent-based samplers
    /// (OpenTelemetry's default) drop the client spans beneath it, wherever the AppHost is hosted.
    /// </summary>
    private static Activity UntracedProbe()
        => new Activity("health probe").SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None).Start();

    /// <summary>Stops dependents before what they depend on; each group gets <paramref name="grace"/> before it is killed.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stopRequested = true;
        await _stopping.CancelAsync();
        await Task.WhenAll(Snapshot(_startPhases)).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var group in ReverseDependencyOrder())
        {
            await Task.WhenAll(group.SelectMany(r => r.Instances).Select(async instance =>
            {
                try
                {
                    await instance.Resource.StopAsync(instance, grace);
                }
                catch (Exception ex)
                {
                    LogStopFailed(instance.Name, ex);
                }
            }));
        }

        await Task.WhenAll(Snapshot(_runs)).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private List<Task> Snapshot(List<Task> tasks)
    {
        lock (_runs)
        {
            return [.. tasks];
        }
    }

    /// <summary>Groups of resources, each depending only on later groups.</summary>
    private List<List<Resource>> ReverseDependencyOrder()
    {
        var remaining = resources.ToList();
        var groups = new List<List<Resource>>();
        while (remaining.Count > 0)
        {
            // Whatever nothing remaining depends on can stop now.
            var free = remaining.Where(r => !remaining.Any(other => Dependencies(other).Contains(r))).ToList();
            if (free.Count == 0)
            {
                free = remaining.ToList(); // a cycle: stop the rest together
            }

            groups.Add(free);
            remaining.RemoveAll(free.Contains);
        }

        return groups;
    }

    private static IEnumerable<Resource> Dependencies(Resource resource) => resource.WaitsFor.Concat(resource.References);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Resource} failed to start: {Reason}")]
    private partial void LogFailedToStart(string resource, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Resource} exited with code {ExitCode}")]
    private partial void LogExited(string resource, int exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping {Resource} failed")]
    private partial void LogStopFailed(string resource, Exception exception);
}
