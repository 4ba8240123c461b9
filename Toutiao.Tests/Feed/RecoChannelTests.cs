using System.Net;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client.Balancer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Toutiao.Web.Feed;

namespace Toutiao.Tests.Feed;

/// <summary>
/// Web's channel to Reco (<see cref="RecoChannel"/>) against two real gRPC servers on loopback, found
/// by service discovery as in the app: one serves, the other answers every call UNAVAILABLE, as an
/// instance does that is stopping or whose closed connection gRPC has not noticed yet (it is still
/// picked every other call). Each of those calls must be tried again on the serving one, for as
/// long as that lasts: the retry throttle may stop retries only when most calls fail.
/// </summary>
public sealed class RecoChannelTests
{
    [Fact]
    public async Task With_one_of_two_instances_answering_unavailable_every_call_succeeds_on_the_other()
    {
        await using var serving = await HealthServer.StartAsync(failing: false);
        await using var stopping = await HealthServer.StartAsync(failing: true);
        await using var services = Discovery(serving.Port, stopping.Port);
        using var channel = new RecoChannel(Options.Create(new RecoOptions()), services, NullLoggerFactory.Instance);
        var health = new Health.HealthClient(channel.CallInvoker);
        await BothConnectedAsync(health, serving, stopping);
        var (servingBefore, stoppingBefore) = (serving.Calls, stopping.Calls);

        var failed = new List<StatusCode>();
        for (var call = 0; call < 40; call++)
        {
            try
            {
                await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (RpcException ex)
            {
                failed.Add(ex.StatusCode);
            }
        }

        // Round robin over both, the retry taking the next pick: the stopping one got at least every
        // other call (one after the other, every first attempt); every call ended on the serving one.
        Assert.InRange(stopping.Calls - stoppingBefore, 20, 40);
        Assert.True(failed.Count == 0, $"{failed.Count} of 40 calls failed ({string.Join(", ", failed.Distinct())}); the stopping instance had {stopping.Calls - stoppingBefore}");
        Assert.Equal(40, serving.Calls - servingBefore);
    }

    [Fact]
    public async Task With_every_instance_failing_retries_stop_within_a_few_calls()
    {
        await using var first = await HealthServer.StartAsync(failing: true);
        await using var second = await HealthServer.StartAsync(failing: true);
        await using var services = Discovery(first.Port, second.Port);
        using var channel = new RecoChannel(Options.Create(new RecoOptions()), services, NullLoggerFactory.Instance);
        var health = new Health.HealthClient(channel.CallInvoker);
        await BothConnectedAsync(health, first, second);
        var before = first.Calls + second.Calls;

        for (var call = 0; call < 40; call++)
        {
            var failure = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5)).ResponseAsync);
            Assert.Equal(StatusCode.Unavailable, failure.StatusCode);
        }

        // Every failure costs a token: once half are gone each call is one attempt, not two, so a
        // Reco whose storage is down everywhere is not asked twice for every page.
        Assert.InRange(first.Calls + second.Calls - before, 40, 46);
    }

    /// <summary>
    /// Calls until both servers have answered: the channel connects to each on its own, and while only
    /// one is connected every attempt, the retry too, goes to it.
    /// </summary>
    private static async Task BothConnectedAsync(Health.HealthClient health, params HealthServer[] servers)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (servers.Any(server => server.Calls == 0))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the channel did not reach both servers within 10 s");
            try
            {
                await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
            }
            catch (RpcException)
            {
                // The stopping one's answer, before the retry had the other to go to.
            }
        }
    }

    /// <summary>What Web's registration gives <see cref="RecoChannel"/>: service discovery of <c>http://reco</c> over configuration, and its resolver.</summary>
    private static ServiceProvider Discovery(params int[] ports)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            ports.Select((port, i) => KeyValuePair.Create($"services:reco:http:{i}", (string?)$"http://127.0.0.1:{port}"))).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddServiceDiscovery();
        services.AddSingleton<ResolverFactory, DiscoveryResolverFactory>();
        return services.BuildServiceProvider();
    }

    /// <summary>A gRPC health service on a free loopback port (HTTP/2 without TLS, as Reco serves) that counts its calls.</summary>
    private sealed class HealthServer : Health.HealthBase, IAsyncDisposable
    {
        private readonly bool _failing;
        private WebApplication? _app;
        private int _calls;

        private HealthServer(bool failing) => _failing = failing;

        public int Calls => Volatile.Read(ref _calls);

        public int Port { get; private set; }

        public static async Task<HealthServer> StartAsync(bool failing)
        {
            var server = new HealthServer(failing);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(server);
            server._app = builder.Build();
            server._app.MapGrpcService<HealthServer>();
            await server._app.StartAsync();
            server.Port = new Uri(server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
            return server;
        }

        public override Task<HealthCheckResponse> Check(HealthCheckRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref _calls);
            return _failing
                ? throw new RpcException(new Status(StatusCode.Unavailable, "stopping"))
                : Task.FromResult(new HealthCheckResponse { Status = HealthCheckResponse.Types.ServingStatus.Serving });
        }

        public async ValueTask DisposeAsync()
        {
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
