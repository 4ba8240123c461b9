using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

public static class EvalBuilderExtensions
{
    /// <summary>
    /// Runs the app until <paramref name="simulator"/> has finished, with its console copied to this
    /// one, then stops everything and returns its exit code. Web or Reco ending first (a setting Reco
    /// refuses, a port in use) ends the run with 1 instead of waiting for a simulator that cannot start.
    /// </summary>
    public static async Task<int> RunUntilFinishedAsync(this IDistributedApplicationBuilder builder, IResourceBuilder<ProjectResource> simulator, ToutiaoResources toutiao)
    {
        try
        {
            await using var app = builder.Build();
            var stopping = app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            var logs = app.Services.GetRequiredService<ResourceLoggerService>();
            await app.StartAsync(stopping);

            using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var console = CopyConsoleAsync(logs, simulator.Resource, watching.Token);
            var finished = notifications.WaitForResourceAsync(simulator.Resource.Name, IsTerminal, stopping);
            var serviceEnded = Task.WhenAny(
                notifications.WaitForResourceAsync(toutiao.Web.Resource.Name, IsTerminal, watching.Token),
                notifications.WaitForResourceAsync(toutiao.Reco.Resource.Name, IsTerminal, watching.Token));

            int exitCode;
            if (await Task.WhenAny(finished, serviceEnded) == finished)
            {
                var snapshot = (await finished).Snapshot;
                exitCode = snapshot.ExitCode ?? (snapshot.State?.Text == KnownResourceStates.Finished ? 0 : 1);
                Console.WriteLine($"The simulator ended: {snapshot.State?.Text}, exit code {snapshot.ExitCode}.");
            }
            else
            {
                var ended = (await await serviceEnded).Snapshot;
                Console.Error.WriteLine($"error: {ended.ResourceType} ended ({ended.State?.Text}, exit code {ended.ExitCode}) before the simulator finished: see its console in the dashboard.");
                exitCode = 1;
            }

            // The last lines of its console may still be on their way.
            await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
            await watching.CancelAsync();
            await console.ContinueWith(_ => { }, TaskScheduler.Default);
            await app.StopAsync(CancellationToken.None);
            return exitCode;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Stopped before the simulator finished.");
            return 130;
        }
        catch (Exception ex) when (ex.GetBaseException() is DistributedApplicationException failure)
        {
            Console.Error.WriteLine($"error: {failure.Message}");
            return 1;
        }
    }

    private static bool IsTerminal(ResourceEvent resource)
        => resource.Snapshot.State?.Text is { } state && KnownResourceStates.TerminalStates.Contains(state);

    private static async Task CopyConsoleAsync(ResourceLoggerService logs, IResource resource, CancellationToken cancellationToken)
    {
        await foreach (var batch in logs.WatchAsync(resource).WithCancellation(cancellationToken))
        {
            foreach (var line in batch)
            {
                (line.IsErrorMessage ? Console.Error : Console.Out).WriteLine("simulator| " + line.Content);
            }
        }
    }
}
