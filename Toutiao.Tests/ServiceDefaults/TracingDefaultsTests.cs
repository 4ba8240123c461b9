using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

/// <summary>What the service defaults record: everything when there is somewhere to export it, nothing when not.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class TracingDefaultsTests
{
    [Theory]
    [InlineData(null, null, false)]                          // no exporter: spans nobody could read are not made
    [InlineData("http://127.0.0.1:4317", null, true)]        // an OTLP endpoint: every trace
    [InlineData(null, "always_on", true)]                    // asked for explicitly (the tests' in-memory exporters)
    [InlineData("http://127.0.0.1:4317", "always_off", false)]
    public void Spans_are_recorded_only_when_they_can_be_exported_or_are_asked_for(string? endpoint, string? sampler, bool recorded)
    {
        // The service's own source (its application name), which no other host in this process listens to.
        var name = "TracingDefaultsProbe" + Guid.NewGuid().ToString("N");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = name });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_TRACES_SAMPLER"] = sampler,
        });
        builder.AddServiceDefaults();
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<TracerProvider>();

        using var source = new ActivitySource(name);
        using var activity = source.StartActivity("probe");
        Assert.Equal(recorded, activity?.Recorded ?? false);
    }

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("http://127.0.0.1:4317", null, true)]
    [InlineData(null, "always_on", true)]
    public void Redis_commands_are_instrumented_only_when_spans_are_recorded(string? endpoint, string? sampler, bool instrumented)
    {
        // Unrecorded, the instrumentation would still keep every request's activity and commands until its next flush.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_TRACES_SAMPLER"] = sampler,
            ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false",
            ["ConnectionStrings:cache"] = "127.0.0.1:1,abortConnect=false",
        });
        builder.AddServiceDefaults();
        builder.AddToutiaoRedis();

        var registered = builder.Services.Select(d => d.ServiceType.FullName ?? "").Where(n => n.Contains("StackExchangeRedisInstrumentation", StringComparison.Ordinal)).ToList();
        Assert.True(instrumented == (registered.Count > 0), string.Join(", ", builder.Services.Select(d => d.ServiceType.Name).Distinct()));
    }
}
