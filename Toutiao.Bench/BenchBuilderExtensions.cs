namespace Aspire.Hosting;

public static class BenchBuilderExtensions
{
    public const int UntracedWebPort = 5081;
    public const int UntracedRecoPort = 5091;
    public const int TrainerPort = 5092;
    private const string BenchTrainerEndpoint = "bench";

    /// <summary>
    /// For <c>./toutiao bench</c>: a second Reco and Web that export no telemetry
    /// (<c>reco-untraced</c> on 5091, <c>web-untraced</c> on 5081) beside the traced pair,
    /// so one run measures both in alternating rounds on the same servers; and no rate limit on the
    /// anonymous feed of either Web, since all the load comes from one address; the trainer also on
    /// 5092, where the bench starts its made-up trainings. The copies have as
    /// many instances as the traced pair and read from the MySQL read replica when there is one.
    /// </summary>
    public static void AddUntracedCopies<TWeb, TReco>(this IDistributedApplicationBuilder builder, ToutiaoResources toutiao)
        where TWeb : IProjectMetadata, new()
        where TReco : IProjectMetadata, new()
    {
        const string unlimited = "1000000000";
        toutiao.Web.WithEnvironment("RateLimits__ReadsPerClientPerMinute", unlimited)
                   .WithEnvironment("RateLimits__ReadsPerReaderPerMinute", unlimited)
                   .WithEnvironment("Demo__PublishInterval", "00:00:00");

        var recoInstances = builder.AddProjectInstances<TReco>("reco-untraced", toutiao.Replicas.Reco, randomPorts: false, port: UntracedRecoPort);
        foreach (var instance in recoInstances)
        {
            instance.WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
                    .WithEnvironment(WithoutTelemetryExport)
                    .WithoutDevelopmentCertificate();
        }

        var copy = builder.AddProject<TWeb>("web-untraced", options => options.ExcludeLaunchProfile = true)
            .WithReplicas(toutiao.Replicas.Web)
            .WithHttpEndpoint(port: UntracedWebPort, name: "http", isProxied: toutiao.Replicas.Web > 1)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment("Reco__Address", "http://reco-untraced")
            .WithEnvironment("RateLimits__ReadsPerClientPerMinute", unlimited)
            .WithEnvironment("RateLimits__ReadsPerReaderPerMinute", unlimited)
            // Rounds compare like with like: no article is published while they run.
            .WithEnvironment("Demo__PublishInterval", "00:00:00")
            .WithEnvironment(WithoutTelemetryExport)
            .DisableForwardedHeaders()
            .WithoutDevelopmentCertificate()
            .WithReferences(recoInstances);
        foreach (var reco in recoInstances)
        {
            copy.WaitFor(reco);
            foreach (var server in new[] { toutiao.Redis, toutiao.Cache })
            {
                reco.WithReference(server).WaitFor(server);
            }

            // The services' own accounts, as the traced pair has them; the training is the trainer's.
            reco.WithReference(toutiao.Accounts.Reco, toutiao.Toutiao.Resource.Name).WithEnvironment("Ranking__Trainer", "elsewhere")
                // Like the traced pair, after the demo data is in: a copy started before it would build its
                // recall sets from empty tables, and rebuild them during the rounds.
                .WaitForCompletion(toutiao.Initializer);
        }

        foreach (var server in new[] { toutiao.Redis, toutiao.Cache })
        {
            copy.WithReference(server).WaitFor(server);
        }

        copy.WithReference(toutiao.Accounts.Web, toutiao.Toutiao.Resource.Name);
        if (toutiao.ToutiaoReplica is { } readReplica && toutiao.Accounts.ReplicaReader is { } reader)
        {
            copy.WithReference(reader, readReplica.Resource.Name).WaitFor(readReplica);
        }

        // Pages during a training: the bench starts made-up trainings in the trainer process, at a known port.
        toutiao.Trainer.WithHttpEndpoint(port: TrainerPort, name: BenchTrainerEndpoint);

        // Like the traced pair, after the demo data is in: a copy started before it would build its
        // search index from empty tables, and rebuild it during the rounds.
        copy.WaitForCompletion(toutiao.Initializer);
    }

    // Runs after Aspire's own callback, which points OTEL_EXPORTER_OTLP_ENDPOINT at the dashboard and
    // sets OTEL_TRACES_SAMPLER=always_on: without it the services record no spans (the default when
    // nothing exports them), as a deployment without a collector runs.
    private static void WithoutTelemetryExport(EnvironmentCallbackContext context)
    {
        context.EnvironmentVariables["OTEL_EXPORTER_OTLP_ENDPOINT"] = "";
        context.EnvironmentVariables.Remove("OTEL_TRACES_SAMPLER");
    }
}
