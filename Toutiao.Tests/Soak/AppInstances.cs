using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Toutiao.Tests.Soak;

/// <summary>The instances (replicas) of an app model's resource, as they are now.</summary>
public static class AppInstances
{
    /// <summary>Every instance with a process (replicas, and the resources of <c>AddProjectInstances</c>): the notifications replay every resource's latest state first, then a second is waited for more.</summary>
    public static async Task<IReadOnlyList<ResourceEvent>> OfAsync(DistributedApplication app, string resource)
    {
        var found = new Dictionary<string, ResourceEvent>();
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await foreach (var update in app.ResourceNotifications.WatchAsync(enough.Token))
            {
                if (Aspire.Hosting.ServiceBuilderExtensions.IsInstanceOf(update.Resource.Name, resource) && update.Snapshot.Properties.Any(p => p.Name == "executable.pid" && p.Value is not null))
                {
                    found[update.ResourceId] = update;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Replayed and waited a second for more.
        }

        return [.. found.Values.OrderBy(e => e.ResourceId, StringComparer.Ordinal)];
    }
}
