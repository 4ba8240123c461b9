using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// <c>/debug/runtime</c>: what <c>./toutiao bench</c> divides by the requests of a round (bytes
/// allocated, CPU used, garbage collections and the time they paused the process, so far). Each
/// service maps it from its Development endpoints: it tells internals to anyone who asks.
/// </summary>
public static class RuntimeCounters
{
    public const string Path = "/debug/runtime";

    public static IEndpointRouteBuilder MapRuntimeCounters(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, () => TypedResults.Ok(new
        {
            allocated_bytes = GC.GetTotalAllocatedBytes(),
            cpu_ms = (long)Environment.CpuUsage.TotalTime.TotalMilliseconds,
            gc_collections = GC.CollectionCount(0),
            gc_pause_us = (long)GC.GetTotalPauseDuration().TotalMicroseconds,
        }));
        return app;
    }
}
