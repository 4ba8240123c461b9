using System.Diagnostics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Drops a Redis or MySQL client span that has no parent, and leaves every other decision to the
/// configured sampler. Such spans are background code talking to storage outside any request or
/// job of ours: the behaviour consumer's idle <c>XREADGROUP</c> every few seconds, its
/// <c>XAUTOCLAIM</c>/<c>XINFO</c>, timers' MySQL <c>Open</c>/<c>Execute</c>. Each would be a trace of
/// its own in the dashboard, burying the requests. Background work that does something starts its
/// own root span first, so its commands are its children and kept.
/// </summary>
/// <remarks>
/// A sampler does not see the span's source, only what it is created with: both the
/// StackExchange.Redis instrumentation and MySqlConnector create their spans as clients with
/// <c>db.system</c> (or <c>db.system.name</c>) already set, which none of our own spans are;
/// but MySqlConnector's <c>Open</c> is created bare (its tags come after), so a client span of
/// that name without tags counts too: Reco's look for published articles every 5 s opens one.
/// </remarks>
public sealed class UnparentedDatabaseCallSampler : Sampler
{
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    private readonly Sampler _configured;

    private UnparentedDatabaseCallSampler(Sampler configured)
    {
        _configured = configured;
        Description = $"UnparentedDatabaseCallSampler{{{configured.Description}}}";
    }

    /// <summary>
    /// <paramref name="configured"/> with the rule in front; always-off stays itself (OpenTelemetry
    /// then skips sampling altogether, and there is nothing to drop).
    /// </summary>
    public static Sampler Around(Sampler configured)
        => configured is AlwaysOffSampler ? configured : new UnparentedDatabaseCallSampler(configured);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
        => samplingParameters.ParentContext.TraceId == default
           && samplingParameters.Kind == ActivityKind.Client
           && (IsRedisOrMySql(samplingParameters.Tags) || IsBareConnectionOpen(samplingParameters))
            ? Drop
            : _configured.ShouldSample(samplingParameters);

    private static bool IsBareConnectionOpen(in SamplingParameters parameters)
        => parameters.Name == MySqlConnectionOpen && (parameters.Tags is null || !parameters.Tags.Any());

    private const string MySqlConnectionOpen = "Open";

    private static bool IsRedisOrMySql(IEnumerable<KeyValuePair<string, object?>>? tags)
    {
        if (tags is null)
        {
            return false;
        }

        foreach (var (key, value) in tags)
        {
            if (key is "db.system" or "db.system.name" && value is "redis" or "mysql")
            {
                return true;
            }
        }

        return false;
    }
}
