namespace Aspire.Hosting;

/// <summary>How many instances of each service a pair runs.</summary>
public sealed record ServiceReplicas(int Web, int Reco);

public static class BenchBuilderExtensions
{
    public const int UntracedWebPort = 5081;
    public const int UntracedRecoPort = 5091;

    /// <summary>
    /// For <c>./toutiao bench</c> (setting <c>Bench:Enabled</c>): a second Reco and Web that export no
    /// telemetry (<c>reco-untraced</c> on 5091, <c>web-untraced</c> on 5081) beside the traced pair,
    /// so one run measures both in alternating rounds on the same servers; and no rate limit on the
    /// anonymous feed of either Web, since all the load comes from one address. The copies have as
    /// many instances as the traced pair and read from the MySQL read replica when there is one.
    /// </summary>
    public static void AddUntracedCopies(this IDistributedApplicationBuilder builder,
        IResourceBuilder<ProjectResource> web, IResourceBuilder<ProjectResource> initializer, ServiceReplicas replicas,
        IReadOnlyList<IResourceBuilder<IResourceWithConnectionString>> storage, IResourceBuilder<IResourceWithConnectionString>? readReplica)
    {
        const string unlimited = "1000000000";
        web.WithEnvironment("RateLimits__AnonymousFeedPerClientPerMinute", unlimited);

        var reco = builder.AddProject<Projects.Toutiao_Reco>("reco-untraced", options => options.ExcludeLaunchProfile = true)
            .WithReplicas(replicas.Reco)
            .WithHttpEndpoint(port: UntracedRecoPort, name: "http", isProxied: replicas.Reco > 1)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment(WithoutTelemetryExport);
        var copy = builder.AddProject<Projects.Toutiao_Web>("web-untraced", options => options.ExcludeLaunchProfile = true)
            .WithReplicas(replicas.Web)
            .WithHttpEndpoint(port: UntracedWebPort, name: "http", isProxied: replicas.Web > 1)
            .WithEnvironment("ASPNETCORE_ENVIRONMENT", "Development")
            .WithEnvironment("Reco__Address", "http://reco-untraced")
            .WithEnvironment("RateLimits__AnonymousFeedPerClientPerMinute", unlimited)
            .WithEnvironment(WithoutTelemetryExport)
            .DisableForwardedHeaders()
            .WithReference(reco)
            .WaitFor(reco);
        foreach (var server in storage)
        {
            reco.WithReference(server).WaitFor(server);
            copy.WithReference(server).WaitFor(server);
        }

        if (readReplica is not null)
        {
            copy.WithReference(readReplica).WaitFor(readReplica);
        }

        // Like the traced pair, after the demo data is in: a copy started before it would build its
        // recall sets and search index from empty tables, and rebuild them during the rounds.
        reco.WaitForCompletion(initializer);
        copy.WaitForCompletion(initializer);
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
