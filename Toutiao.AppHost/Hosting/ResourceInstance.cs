using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.AppHost.Hosting;

/// <summary>One running copy of a resource: its process, endpoint, state and console.</summary>
public sealed class ResourceInstance(Resource resource, int replica)
{
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Resource Resource { get; } = resource;

    public int Replica { get; } = replica;

    /// <summary>"reco" for a single instance, "reco-0", "reco-1" for replicas.</summary>
    public string Name => Resource.ReplicaCount > 1 ? $"{Resource.Name}-{Replica}" : Resource.Name;

    public ResourceState State { get; private set; } = ResourceState.NotStarted;

    public HealthStatus? Health { get; private set; }

    /// <summary>Why the instance failed or exited, for people.</summary>
    public string? Message { get; private set; }

    public DateTimeOffset? StartedAt { get; internal set; }

    /// <summary>When the instance first answered its health check.</summary>
    public DateTimeOffset? HealthyAt { get; private set; }

    public int RestartCount { get; internal set; }

    /// <summary>Set while a person stopped the instance, so its exit is not reported as a crash.</summary>
    internal bool StopRequested { get; set; }

    public int? ExitCode { get; internal set; }

    public string? Url { get; internal set; }

    public int? Port { get; internal set; }

    public ConsoleLog Console { get; } = new();

    internal ManagedProcess? Process { get; set; }

    public int? ProcessId => Process?.Id;

    /// <summary>The environment the instance was started with (shown masked on the dashboard).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; internal set; } = new Dictionary<string, string>();

    public void SetState(ResourceState state, string? message = null)
    {
        lock (_gate)
        {
            State = state;
            Message = message;
            if (state != ResourceState.Running)
            {
                Health = null;
            }

            Signal();
        }
    }

    public void SetHealth(HealthStatus health)
    {
        lock (_gate)
        {
            if (State == ResourceState.Running && Health != health)
            {
                Health = health;
                HealthyAt ??= health == HealthStatus.Healthy ? DateTimeOffset.UtcNow : null;
                Signal();
            }
        }
    }

    /// <summary>Completes at the next change of state or health.</summary>
    public Task NextChange()
    {
        lock (_gate)
        {
            return _changed.Task;
        }
    }

    private void Signal()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
