using System.Globalization;
using System.Net;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MySqlConnector;
using StackExchange.Redis;
using Toutiao.Tests.AppHost;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Soak;

/// <summary>
/// <c>./toutiao soak</c>: the whole app model (two Web and two Reco replicas) under mixed traffic at
/// half the capacity measured first, for <c>SOAK_MINUTES</c> (10), with one fault a minute: MySQL, the
/// cache Redis, the state Redis and one Reco frozen for 10 s, then each restarted through the app
/// model. It ends with: no 5xx but 503s and no request unanswered, every comment kept once (a comment
/// answered 503 is sent again with its key), counts served equal to MySQL's, memory flat. The figures
/// go to <c>TestResults/soak/soak.md</c>. Not part of <c>./toutiao test</c>.
/// </summary>
[Trait("Category", TestCategories.Soak)]
[Collection(SoakCollection.Name)]
public sealed class SoakTests(ToutiaoAppFixture app, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(10);

    private readonly RunReport _report = new(output, "soak");
    private readonly List<string> _faultErrors = [];

    [Fact]
    public async Task Mixed_traffic_at_half_capacity_with_a_fault_a_minute_loses_nothing_and_stays_flat()
    {
        var minutes = double.Parse(Environment.GetEnvironmentVariable("SOAK_MINUTES") ?? "10", CultureInfo.InvariantCulture);
        var runId = Guid.NewGuid().ToString("N")[..8];
        var readers = new List<string>();
        // Eight: sign-in is 20 requests a minute per client address, two each.
        for (var i = 0; i < 8; i++)
        {
            var mobile = "139" + Random.Shared.Next(10_000_000, 99_999_999).ToString(CultureInfo.InvariantCulture);
            readers.Add(Api.Bearer((await app.Web.SignInWithCodeAsync(mobile)).Data.GetProperty("token").GetString()!));
        }

        await SearchReadyAsync(readers[0]);
        var traffic = new SoakTraffic(app.Web, readers, runId);
        var capacity = await traffic.MeasureCapacityAsync(concurrency: 16, TimeSpan.FromSeconds(20));
        var rate = capacity / 2;
        Note($"Soak {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {minutes} min: capacity {capacity:0} req/s (16 connections, 20 s), run at {rate:0} req/s");

        var soakStart = traffic.Elapsed;
        using var end = new CancellationTokenSource(TimeSpan.FromMinutes(minutes));
        var samples = SampleMemoryAsync(traffic, end.Token);
        var faults = InjectFaultsAsync(traffic, minutes, end.Token);
        var shed = await traffic.RunAsync(rate, inFlight: 256, end.Token);
        var faultLog = await faults;
        var memory = await samples;

        // Comments answered 503 during a fault are sent again with their keys, as an app would.
        var unkept = 0;
        for (var attempt = 0; attempt < 30 && (unkept = await traffic.ResendUnkeptCommentsAsync()) > 0; attempt++)
        {
            await Task.Delay(2000);
        }

        var requests = traffic.Requests.Where(r => r.At >= soakStart).ToList();
        ReportRequests(requests, shed);
        ReportFaults(faultLog, requests);
        ReportMemory(memory);
        var (duplicates, rows) = await CommentRowsAsync(runId);
        var mismatches = await CountMismatchesAsync(traffic.Touched.Keys.ToList());
        foreach (var error in _faultErrors)
        {
            Note($"Fault not injected: {error}");
        }

        Note($"Comments meant {traffic.Comments.Count}, kept {rows} rows, duplicated {duplicates}, still refused after resending {unkept}; counts of {traffic.Touched.Count} written articles differing from MySQL: {mismatches.Count} {string.Join(", ", mismatches.Take(5))}");
        await _report.WriteAsync();

        Assert.Empty(_faultErrors);
        Assert.Empty(requests.Where(r => r.Status is 0 or (>= 500 and not 503)).Select(r => $"{r.At:mm\\:ss} {r.Operation} {r.Status}").Take(20));
        // Every request has a budget of 1.5 s: twice that, faults or not, is a wait nothing bounded.
        Assert.Empty(requests.Where(r => r.Milliseconds > 3000).Select(r => $"{r.At:mm\\:ss} {r.Operation} {r.Status} {r.Milliseconds:0} ms").Take(20));
        Assert.Equal(0, unkept);
        Assert.Equal(0, duplicates);
        Assert.Equal(traffic.Comments.Count, rows);
        Assert.Empty(mismatches);
        foreach (var (service, first, last) in Flatness(memory))
        {
            Assert.True(last <= first * 1.5, $"{service} grew from {first:0} to {last:0} MB");
        }
    }

    private sealed record Fault(string Name, TimeSpan Start, TimeSpan End);

    private sealed record MemorySample(TimeSpan At, Dictionary<string, double> Megabytes);

    /// <summary>Minute 1 to 8: freeze then restart each of MySQL, the cache, the state Redis and one Reco replica.</summary>
    private async Task<List<Fault>> InjectFaultsAsync(SoakTraffic traffic, double minutes, CancellationToken end)
    {
        var faults = new List<Fault>();
        string[] targets = ["mysql", "cache", "redis", "reco"];
        var plan = targets.Select(t => (Name: $"freeze {t}", Target: t, Freeze: true))
            .Concat(targets.Select(t => (Name: $"restart {t}", Target: t, Freeze: false))).ToList();
        var begin = traffic.Elapsed;
        for (var minute = 1; minute <= plan.Count && minute < minutes; minute++)
        {
            try
            {
                await Task.Delay(begin + TimeSpan.FromMinutes(minute) - traffic.Elapsed, end);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var (name, target, freeze) = plan[minute - 1];
            var start = traffic.Elapsed;
            try
            {
                await InjectAsync(target, freeze);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or Aspire.Hosting.DistributedApplicationException)
            {
                // Reported and failed at the end, with the figures of the rest.
                _faultErrors.Add($"{name}: {ex.Message}");
            }

            faults.Add(new Fault(name, start, traffic.Elapsed));
            output.WriteLine($"{traffic.Elapsed:mm\\:ss} {name} over after {(traffic.Elapsed - start).TotalSeconds:0.0} s");
        }

        return faults;
    }

    private async Task InjectAsync(string target, bool freeze)
    {
        var reco = target == "reco" ? (await InstancesAsync("reco"))[0] : null;
        if (freeze)
        {
            var pid = target switch
            {
                "mysql" => LocalProcesses.MariaDbOf(app.DataDirectory).Pid,
                "reco" => LocalProcesses.ServiceOf(reco!),
                _ => LocalProcesses.RedisOf(app.DataDirectory, target).Pid,
            };
            await LocalProcesses.SignalAsync(pid, "STOP");
            try
            {
                await Task.Delay(Freeze, CancellationToken.None);
            }
            finally
            {
                await LocalProcesses.SignalAsync(pid, "CONT");
            }

            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var resource = reco?.ResourceId ?? target;
        var result = await app.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.RestartCommand, timeout.Token);
        if (!result.Success)
        {
            throw new InvalidOperationException(result.Message);
        }

        if (reco is null)
        {
            // Just after the command the resource may still show its stop: wait through that.
            await app.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, WaitBehavior.WaitOnResourceUnavailable, timeout.Token);
            return;
        }

        // One replica: waited for by its instance's own state, a new process that is healthy.
        var before = LocalProcesses.ServiceOf(reco);
        while (!(await InstancesAsync("reco")).Any(i => i.ResourceId == resource && i.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                                                         && i.Snapshot.State?.Text == KnownResourceStates.Running && LocalProcesses.ServiceOf(i) != before))
        {
            await Task.Delay(500, timeout.Token);
        }
    }

    private async Task<List<MemorySample>> SampleMemoryAsync(SoakTraffic traffic, CancellationToken end)
    {
        var samples = new List<MemorySample>();
        var redis = new Dictionary<string, string>();
        foreach (var name in new[] { "redis", "cache" })
        {
            redis[name] = (await app.App.GetConnectionStringAsync(name))! + ",allowAdmin=true,connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000,abortConnect=false";
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await timer.WaitForNextTickAsync(end))
            {
                var sample = new Dictionary<string, double>();
                foreach (var service in new[] { "web", "reco" })
                {
                    try
                    {
                        sample[service] = (await InstancesAsync(service)).Sum(instance => ProcessMemory.ResidentMegabytes(LocalProcesses.ServiceOf(instance)));
                    }
                    catch (Exception ex) when (ex is IOException or InvalidOperationException)
                    {
                        // A replica restarting (its process gone between two looks): no sample this time.
                    }
                }

                foreach (var (name, connection) in redis)
                {
                    try
                    {
                        await using var client = await ConnectionMultiplexer.ConnectAsync(connection);
                        var info = (await client.GetServers()[0].InfoAsync("memory")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
                        sample[$"{name} used_memory"] = double.Parse(info["used_memory"], CultureInfo.InvariantCulture) / 1048576;
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException)
                    {
                        // Frozen or restarting: no sample this time.
                    }
                }

                samples.Add(new MemorySample(traffic.Elapsed, sample));
            }
        }
        catch (OperationCanceledException) when (end.IsCancellationRequested)
        {
        }

        return samples;
    }

    private Task<IReadOnlyList<ResourceEvent>> InstancesAsync(string resource) => AppInstances.OfAsync(app.App, resource);

    private async Task SearchReadyAsync(string reader)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((await app.Web.SendAsync(HttpMethod.Get, "/v1_0/search?q=toutiao", reader)).Status != HttpStatusCode.OK && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }
    }

    private async Task<(int Duplicates, long Rows)> CommentRowsAsync(string runId)
    {
        await using var connection = new MySqlConnection(await app.App.GetConnectionStringAsync("toutiao"));
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT content, COUNT(*) FROM news_comment WHERE content LIKE @run GROUP BY content", connection);
        command.Parameters.AddWithValue("@run", $"soak {runId} %");
        await using var reader = await command.ExecuteReaderAsync();
        var (duplicates, rows) = (0, 0L);
        while (await reader.ReadAsync())
        {
            rows += reader.GetInt64(1);
            duplicates += reader.GetInt64(1) > 1 ? 1 : 0;
        }

        return (duplicates, rows);
    }

    /// <summary>Articles whose served comment or like count differs from MySQL's after a minute to converge.</summary>
    private async Task<List<string>> CountMismatchesAsync(List<long> articles)
    {
        var connectionString = await app.App.GetConnectionStringAsync("toutiao");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var mismatches = new List<string>();
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            foreach (var id in articles)
            {
                await using var command = new MySqlCommand($"SELECT comment_count, like_count FROM news_article_statistic WHERE article_id = {id}", connection);
                await using var reader = await command.ExecuteReaderAsync();
                var truth = await reader.ReadAsync() ? (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)) : (0L, 0L);
                var served = (await app.Web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{id}")).Data;
                var shown = (served.GetProperty("comm_count").GetInt64(), served.GetProperty("like_count").GetInt64());
                if (shown != truth)
                {
                    mismatches.Add($"{id}: served {shown}, MySQL {truth}");
                }
            }

            if (mismatches.Count == 0 || DateTime.UtcNow > deadline)
            {
                return mismatches;
            }

            await Task.Delay(2000);
        }
    }

    private void ReportRequests(List<SoakRequest> requests, int shed)
    {
        Note("");
        Note("| operation | requests | 2xx | 4xx | 503 | other 5xx or none | degraded | p50 ms | p99 ms | max ms |");
        Note("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var group in requests.GroupBy(r => r.Operation).OrderByDescending(g => g.Count()).Append(requests.GroupBy(_ => "all").Single()))
        {
            var sorted = group.Select(r => r.Milliseconds).Order().ToList();
            Note($"| {group.Key} | {group.Count()} | {group.Count(r => r.Status is >= 200 and < 300)} | {group.Count(r => r.Status is >= 400 and < 500)} | " +
                 $"{group.Count(r => r.Status == 503)} | {group.Count(r => r.Status is 0 or (>= 500 and not 503))} | {group.Count(r => r.Degraded is not null)} | " +
                 $"{sorted[sorted.Count / 2]:0} | {sorted[(int)(sorted.Count * 0.99)]:0} | {sorted[^1]:0} |");
        }

        Note($"Shed by the driver (over 256 in flight): {shed}. 4xx by status: {string.Join(", ", requests.Where(r => r.Status is >= 400 and < 500).GroupBy(r => r.Status).Select(g => $"{g.Key}: {g.Count()}"))}");
    }

    private void ReportFaults(List<Fault> faults, List<SoakRequest> requests)
    {
        Note("");
        Note("| fault | lasted s | requests then | 503 | degraded | p99 ms | max ms | first whole fresh page after it, s |");
        Note("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var fault in faults)
        {
            // In flight at any moment of the fault or the 5 s after it: a request sent just before the
            // fault began and held by it belongs to it too.
            var during = requests.Where(r => r.At < fault.End + TimeSpan.FromSeconds(5) && r.At + TimeSpan.FromMilliseconds(r.Milliseconds) > fault.Start).ToList();
            var sorted = during.Select(r => r.Milliseconds).Order().ToList();
            var whole = requests.Where(r => r.At >= fault.End && r.Operation == "fresh" && r.Status == 200 && r.Degraded is null).Select(r => (TimeSpan?)r.At).FirstOrDefault();
            Note($"| {fault.Name} | {(fault.End - fault.Start).TotalSeconds:0.0} | {during.Count} | {during.Count(r => r.Status == 503)} | {during.Count(r => r.Degraded is not null)} | " +
                 $"{(sorted.Count > 0 ? sorted[(int)(sorted.Count * 0.99)] : 0):0} | {(sorted.Count > 0 ? sorted[^1] : 0):0} | {(whole is { } w ? (w - fault.End).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) : "none")} |");
        }
    }

    private void ReportMemory(List<MemorySample> samples)
    {
        Note("");
        var services = samples.SelectMany(s => s.Megabytes.Keys).Distinct().Order().ToList();
        Note($"| minute | {string.Join(" | ", services.Select(s => s + " MB"))} |");
        Note($"| ---: | {string.Join(" | ", services.Select(_ => "---:"))} |");
        foreach (var minute in samples.GroupBy(s => (int)s.At.TotalMinutes))
        {
            Note($"| {minute.Key} | {string.Join(" | ", services.Select(s => minute.Select(m => m.Megabytes.GetValueOrDefault(s, double.NaN)).Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Average().ToString("0", CultureInfo.InvariantCulture)))} |");
        }

        foreach (var (service, first, last) in Flatness(samples))
        {
            Note($"{service}: {first:0} MB in minute 2, {last:0} MB in the last minute ({last / first:0.00}x)");
        }
    }

    /// <summary>Each service's mean in the second minute (after warm-up) and in the last one.</summary>
    private static IEnumerable<(string Service, double First, double Last)> Flatness(List<MemorySample> samples)
    {
        if (samples.Count < 12)
        {
            yield break;
        }

        var start = samples[0].At;
        var warm = samples.Where(s => s.At - start >= TimeSpan.FromMinutes(1) && s.At - start < TimeSpan.FromMinutes(2)).ToList();
        var last = samples.Where(s => s.At >= samples[^1].At - TimeSpan.FromMinutes(1)).ToList();
        foreach (var service in new[] { "web", "reco" })
        {
            yield return (service, warm.Where(s => s.Megabytes.ContainsKey(service)).Average(s => s.Megabytes[service]),
                last.Where(s => s.Megabytes.ContainsKey(service)).Average(s => s.Megabytes[service]));
        }
    }

    private void Note(string line) => _report.Note(line);

}

[CollectionDefinition(Name)]
public sealed class SoakCollection : ICollectionFixture<ToutiaoAppFixture>
{
    public const string Name = "Toutiao soak";
}
