using Aspire.Hosting;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// Starts one distributed application at a time in this test process, up to its servers being
/// healthy. Each app has a DCP of its own choosing its servers' ports, and apps started side by side
/// (the collections run in parallel) can be handed the same port: one redis-server then fails to
/// bind and everything waiting for it never starts, which was seen as a rare, whole-fixture failure.
/// </summary>
public static class AppStarts
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    private static readonly string[] Servers = ["redis", "cache", "mysql"];

    public static async Task StartAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        await OneAtATime.WaitAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            foreach (var server in Servers)
            {
                // Healthy: listening on its port, which the next app's DCP then sees taken.
                await app.ResourceNotifications.WaitForResourceHealthyAsync(server, cancellationToken);
            }
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
