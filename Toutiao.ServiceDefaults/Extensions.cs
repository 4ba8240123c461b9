using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Toutiao service shares: telemetry, health checks, service discovery and resilience.
/// Lives in the Microsoft.Extensions.Hosting namespace, as Aspire's does, so
/// <c>builder.AddServiceDefaults()</c> needs no extra using.
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Our own activity sources and meters: Toutiao.Web, Toutiao.Reco, Toutiao.Redis.</summary>
    public const string OwnSources = "Toutiao.*";

    public const string MySqlConnectorSource = "MySqlConnector";

    /// <summary>Tag of the health checks that say the process is alive (not whether it is ready).</summary>
    public const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        FailFastRedisDefaults.AddFailFastRedisDefaults(builder.Services);
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // Every log line written inside a request carries its trace and span ids.
        builder.Logging.Configure(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(MySqlConnectorSource)
                .AddMeter(OwnSources))
            .WithTracing(tracing =>
            {
                tracing
                    // First, so that exporters see the finished gRPC attributes.
                    .AddProcessor(new GrpcSpanProcessor())
                    .AddSource(builder.Environment.ApplicationName)
                    .AddSource(OwnSources)
                    .AddSource(MySqlConnectorSource)
                    .AddAspNetCoreInstrumentation(options =>
                    {
                        options.RecordException = true;
                        // Health probes run every few seconds; they would drown the real traces.
                        options.Filter = context =>
                            !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                            && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath)
                            && !context.Request.Path.StartsWithSegments(RuntimeCounters.Path);
                    })
                    // One client span per gRPC call, parent of the server span on the other side;
                    // the HTTP/2 request underneath adds nothing.
                    .AddGrpcClientInstrumentation(options => options.SuppressDownstreamInstrumentation = true)
                    .AddHttpClientInstrumentation(options => options.RecordException = true);

                // Storage commands of background code outside any span of ours are not traces of their own.
                tracing.SetSampler(UnparentedDatabaseCallSampler.Around(ConfiguredSampler(builder.Configuration)));
            });

        // Export only when someone (the AppHost) says where to; protocol per OTEL_EXPORTER_OTLP_PROTOCOL.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Whether spans are recorded at all (<see cref="ConfiguredSampler"/> is not always off).</summary>
    public static bool IsTracingOn(IConfiguration configuration) => ConfiguredSampler(configuration) is not AlwaysOffSampler;

    /// <summary>
    /// <c>OTEL_TRACES_SAMPLER</c> as the OpenTelemetry specification names it: <c>always_on</c>,
    /// <c>always_off</c>, <c>traceidratio</c> and <c>parentbased_traceidratio</c> with the ratio in
    /// <c>OTEL_TRACES_SAMPLER_ARG</c>. Unset: every trace when there is somewhere to export it
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), none otherwise: spans nobody can read cost a feed page
    /// CPU and allocations for nothing.
    /// </summary>
    private static Sampler ConfiguredSampler(IConfiguration configuration)
    {
        var ratio = double.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var value) ? Math.Clamp(value, 0, 1) : 1;
        return configuration["OTEL_TRACES_SAMPLER"]?.ToLowerInvariant() switch
        {
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(ratio),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)),
            // Parent-based, as OpenTelemetry's default: work under an unrecorded parent (a health
            // request, filtered out) stays unrecorded.
            "always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            _ => string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"])
                ? new AlwaysOffSampler()
                : new ParentBasedSampler(new AlwaysOnSampler()),
        };
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        return builder;
    }

    /// <summary>
    /// Setting that maps <c>/health</c> and <c>/alive</c> outside Development, for an orchestrator's
    /// probes (deploy/kubernetes sets <c>HealthChecks__Expose=true</c> for Web).
    /// </summary>
    public const string ExposeHealthChecksKey = "HealthChecks:Expose";

    /// <summary>
    /// Maps <c>/health</c> (every check) and <c>/alive</c> (liveness only) in Development or when
    /// <see cref="ExposeHealthChecksKey"/> is true.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Health endpoints reveal internals; outside Development they are opt-in. They answer only
        // Healthy, Degraded or Unhealthy (no check names), which a kubelet needs and little else.
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue<bool>(ExposeHealthChecksKey))
        {
            app.MapHealthChecks(HealthEndpointPath);
            app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
            {
                Predicate = registration => registration.Tags.Contains(LiveTag),
            });
        }

        return app;
    }
}
