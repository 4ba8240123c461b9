using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Telemetry;

/// <summary>Background storage calls outside any span of ours make no trace; everything else is the configured sampler's.</summary>
[Trait("Category", TestCategories.Unit)]
public class UnparentedDatabaseCallSamplerTests
{
    private static readonly Sampler Sampler = UnparentedDatabaseCallSampler.Around(new AlwaysOnSampler());

    [Fact]
    public void A_root_redis_or_mysql_call_and_a_bare_connection_open_are_dropped()
    {
        Assert.Equal(SamplingDecision.Drop, Decide(default, ActivityKind.Client, "EVAL", [new("db.system", "redis")]));
        Assert.Equal(SamplingDecision.Drop, Decide(default, ActivityKind.Client, "Execute", [new("db.system", "mysql")]));
        Assert.Equal(SamplingDecision.Drop, Decide(default, ActivityKind.Client, "Open", null));
    }

    [Fact]
    public void The_same_calls_inside_a_span_and_our_own_root_spans_are_kept()
    {
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(parent, ActivityKind.Client, "Open", null));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(parent, ActivityKind.Client, "EVAL", [new("db.system", "redis")]));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(default, ActivityKind.Internal, "reco recall build", null));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(default, ActivityKind.Client, "Open", [new("peer", "x")]));
    }

    private static SamplingDecision Decide(ActivityContext parent, ActivityKind kind, string name, KeyValuePair<string, object?>[]? tags)
        => Sampler.ShouldSample(new SamplingParameters(parent, ActivityTraceId.CreateRandom(), name, kind, tags)).Decision;
}
