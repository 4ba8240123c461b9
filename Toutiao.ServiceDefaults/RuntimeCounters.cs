using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// <c>/debug/runtime</c>: what <c>./toutiao bench</c> divides by the requests of a round (bytes
/// allocated, CPU used, garbage collections and the time they paused the process, so far). Each
/// service maps it from its Development endpoints: it tells internals to anyone who asks.
/// <c>POST /debug/runtime/collect</c> collects the whole heap, compacting it, and says what is left:
/// what the process holds, which its resident memory does not say (a server-GC heap keeps what a
/// burst of allocations grew it to). <c>./toutiao scale</c> reads it.
/// </summary>
public static class RuntimeCounters
{
    public const string Path = "/debug/runtime";
    public const string CollectPath = Path + "/collect";

    public static IEndpointRouteBuilder MapRuntimeCounters(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, () => TypedResults.Ok(new
        {
            allocated_bytes = GC.GetTotalAllocatedBytes(),
            cpu_ms = (long)Environment.CpuUsage.TotalTime.TotalMilliseconds,
            gc_collections = GC.CollectionCount(0),
            gc_pause_us = (long)GC.GetTotalPauseDuration().TotalMicroseconds,
        }));
        app.MapPost(CollectPath, () =>
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            return TypedResults.Ok(new
            {
                live_bytes = GC.GetTotalMemory(forceFullCollection: false),
                heap_bytes = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes,
                full_collections = GC.CollectionCount(GC.MaxGeneration),
            });
        });
        return app;
    }
}
