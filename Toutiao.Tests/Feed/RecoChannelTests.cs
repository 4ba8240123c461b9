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
        await using var instances = await TwoInstances.StartAsync(firstFailing: false, secondFailing: true);
        var (serving, stopping, health) = (instances.First, instances.Second, instances.Health);
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
        await using var instances = await TwoInstances.StartAsync(firstFailing: true, secondFailing: true);
        var (first, second, health) = (instances.First, instances.Second, instances.Health);
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
    /// Two servers found by service discovery of <c>http://reco</c>, as Web's registration gives
    /// <see cref="RecoChannel"/> (configuration and its resolver), and the channel's health client,
    /// once the channel has reached both.
    /// </summary>
    private sealed class TwoInstances : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly RecoChannel _channel;

        private TwoInstances(HealthServer first, HealthServer second)
        {
            First = first;
            Second = second;
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["services:reco:http:0"] = $"http://127.0.0.1:{first.Port}",
                ["services:reco:http:1"] = $"http://127.0.0.1:{second.Port}",
            }).Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddServiceDiscovery();
            services.AddSingleton<ResolverFactory, DiscoveryResolverFactory>();
            _services = services.BuildServiceProvider();
            _channel = new RecoChannel(Options.Create(new RecoOptions()), _services, NullLoggerFactory.Instance);
            Health = new Health.HealthClient(_channel.CallInvoker);
        }

        public HealthServer First { get; }

        public HealthServer Second { get; }

        public Health.HealthClient Health { get; }

        public static async Task<TwoInstances> StartAsync(bool firstFailing, bool secondFailing)
        {
            var instances = new TwoInstances(await HealthServer.StartAsync(firstFailing), await HealthServer.StartAsync(secondFailing));
            await instances.BothConnectedAsync();
            return instances;
        }

        /// <summary>
        /// Calls until both servers have answered: the channel connects to each on its own, and while only
        /// one is connected every attempt, the retry too, goes to it.
        /// </summary>
        private async Task BothConnectedAsync()
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (First.Calls == 0 || Second.Calls == 0)
            {
                Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the channel did not reach both servers within 10 s");
                try
                {
                    await Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                }
                catch (RpcException)
                {
                    // A failing one's answer, before the retry had the other to go to.
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await _services.DisposeAsync();
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
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
