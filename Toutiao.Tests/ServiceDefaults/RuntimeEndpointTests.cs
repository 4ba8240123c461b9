using System.Text.Json;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

/// <summary>
/// What <c>./toutiao bench</c> reads from each service between rounds (<c>/debug/runtime</c>) and the
/// bare call to Reco it measures (<c>/debug/reco-check</c>), both Development only.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class RuntimeEndpointTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Web_reports_its_allocation_cpu_and_garbage_collections_so_far_and_they_grow_with_work()
    {
        var before = await RuntimeAsync();
        await fixture.WebClient.FeedAsync(3, Api.Now(), Api.NewAnonymousReader());
        GC.Collect(); // this process is Web's: its collection count and pause time must move
        var after = await RuntimeAsync();

        Assert.True(after["allocated_bytes"] > before["allocated_bytes"]);
        Assert.True(after["cpu_ms"] >= before["cpu_ms"]);
        Assert.True(after["gc_collections"] > before["gc_collections"]);
        Assert.True(after["gc_pause_us"] > before["gc_pause_us"]);
    }

    [Fact]
    public async Task A_collection_on_request_compacts_the_whole_heap_and_says_what_is_left()
    {
        var fullBefore = GC.CollectionCount(GC.MaxGeneration);
        using var response = await fixture.WebClient.PostAsync(Microsoft.Extensions.Hosting.RuntimeCounters.CollectPath, content: null);
        response.EnsureSuccessStatusCode();
        var collected = JsonSerializer.Deserialize<Dictionary<string, long>>(await response.Content.ReadAsStringAsync())!;

        // This process is Web's: the answer is its own heap, after a collection of every generation.
        Assert.True(GC.CollectionCount(GC.MaxGeneration) > fullBefore);
        Assert.True(collected["full_collections"] > fullBefore);
        Assert.InRange(collected["live_bytes"], 1, collected["heap_bytes"]);
    }

    [Fact]
    public async Task Web_calls_reco_for_nothing_but_its_liveness()
    {
        var response = await fixture.WebClient.SendAsync(HttpMethod.Get, "/debug/reco-check");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.Status);
        Assert.Equal("OK", response.Message);
        Assert.Equal("Serving", response.Data.GetString());
    }

    private async Task<Dictionary<string, long>> RuntimeAsync()
    {
        using var response = await fixture.WebClient.GetAsync("/debug/runtime");
        response.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<Dictionary<string, long>>(await response.Content.ReadAsStringAsync())!;
    }
}
