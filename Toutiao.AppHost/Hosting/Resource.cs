using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.AppHost.Hosting;

/// <summary>The lifecycle states of a resource, as Aspire names them.</summary>
public enum ResourceState
{
    NotStarted,
    Waiting,
    Starting,
    Running,
    Exited,
    FailedToStart,
}

public enum HealthStatus
{
    Healthy,
    Unhealthy,
}

/// <summary>Something the AppHost runs or hands on: a server, a database, a project.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    /// <summary>What the dashboard shows as the resource's type.</summary>
    public abstract string Type { get; }

    /// <summary>Resources that must be Running and Healthy before this one starts.</summary>
    public List<Resource> WaitsFor { get; } = [];

    /// <summary>Resources whose connection string or endpoints this one is given.</summary>
    public List<Resource> References { get; } = [];

    /// <summary>Extra environment for the resource's processes.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The running instances (replicas); filled when the application starts.</summary>
    public IReadOnlyList<ResourceInstance> Instances { get; internal set; } = [];

    /// <summary>When false the resource is shown but never started (for example a server whose database is external).</summary>
    public virtual bool IsStarted => true;

    internal virtual int ReplicaCount => 1;

    /// <summary>Checks what can be checked before anything starts (binaries); throws <see cref="DistributedApplicationException"/>.</summary>
    internal virtual void Preflight()
    {
    }

    /// <summary>Starts one instance; returns once its process runs. Throws <see cref="DistributedApplicationException"/> on failure.</summary>
    internal abstract Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken);

    /// <summary>True when the instance answers its health check.</summary>
    internal abstract Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken);

    internal virtual Task StopAsync(ResourceInstance instance, TimeSpan grace)
        => instance.Process?.StopAsync(grace) ?? Task.CompletedTask;

    /// <summary>The aggregate of the instances: the worst state, and healthy only when every instance is.</summary>
    public ResourceState State => Instances.Count == 0
        ? ResourceState.NotStarted
        : Instances.Select(i => i.State).OrderBy(StateRank).First();

    public HealthStatus? Health => State != ResourceState.Running ? null
        : Instances.All(i => i.Health == HealthStatus.Healthy) ? HealthStatus.Healthy : HealthStatus.Unhealthy;

    private static int StateRank(ResourceState state) => state switch
    {
        ResourceState.FailedToStart => 0,
        ResourceState.Exited => 1,
        ResourceState.NotStarted => 2,
        ResourceState.Waiting => 3,
        ResourceState.Starting => 4,
        _ => 5,
    };
}

/// <summary>A resource others can be given a connection string of (<c>ConnectionStrings__{name}</c>).</summary>
public interface IResourceWithConnectionString
{
    string Name { get; }

    /// <summary>Known once the resource has started (or at once when external).</summary>
    string? ConnectionString { get; }
}
