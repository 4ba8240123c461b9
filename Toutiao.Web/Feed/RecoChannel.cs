using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Feed;

/// <summary>
/// The process's one gRPC channel to Reco, its calls spread round robin over every instance: an
/// <c>http://</c> <see cref="RecoOptions.Address"/> through service discovery
/// (<see cref="DiscoveryResolverFactory"/>: every <c>services:reco:http:*</c>), a <c>dns:///</c> one
/// over every address the name resolves to (a Kubernetes headless Service). A call goes to an
/// instance that is connected; one that is down is skipped and tried again within a second.
/// </summary>
/// <remarks>
/// Made here, not by the gRPC client factory: its HttpClient pipeline carries service discovery's
/// handler, which marks the connection handler as not for gRPC's balancing (it picks one address per
/// request itself, but not only among instances that are up).
/// </remarks>
public sealed class RecoChannel(IOptions<RecoOptions> options, IServiceProvider services, ILoggerFactory loggerFactory) : IDisposable
{
    private readonly GrpcChannel _channel = GrpcChannel.ForAddress(ChannelAddress(options.Value.Address), new GrpcChannelOptions
    {
        // One HTTP/2 connection allows only so many concurrent streams (100 by Kestrel's default);
        // past that, calls queue unless another connection may be opened.
        HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        DisposeHttpClient = true,
        // Plain h2c, as Reco serves: a resolver's address has no http:// to say so.
        Credentials = ChannelCredentials.Insecure,
        ServiceConfig = new ServiceConfig
        {
            LoadBalancingConfigs = { new RoundRobinConfig() },
            // A call answered unavailable (its instance stopping under it, the connection refused)
            // goes once to the next instance, within the call's deadline. gRPC retries only
            // a call that has no answer yet, and the throttle stops retries while most calls fail
            // (every instance's storage down): then the page degrades at once, as before.
            MethodConfigs =
            {
                new MethodConfig
                {
                    Names = { MethodName.Default },
                    RetryPolicy = new RetryPolicy
                    {
                        MaxAttempts = 2,
                        InitialBackoff = TimeSpan.FromMilliseconds(10),
                        MaxBackoff = TimeSpan.FromMilliseconds(50),
                        BackoffMultiplier = 2,
                        RetryableStatusCodes = { StatusCode.Unavailable },
                    },
                },
            },
            // Each failed attempt costs a token, each call that succeeds earns one back, and retries
            // stop at half the tokens. With one of two instances failing (stopping, or stopped and still
            // picked until gRPC sees its connection gone), a call may fail there first and succeed on
            // the other: the tokens hold, however often that happens (sequential calls pick the failing
            // instance first every time: RecoChannelTests). At 0.1 a token they ran out after about a
            // dozen such calls, and the rest failed (CI, 2026-12-07: 8 of 20 pages degraded). With every
            // instance failing, each call costs two, and retries stop within three calls.
            RetryThrottling = new RetryThrottlingPolicy { MaxTokens = 10, TokenRatio = 1 },
        },
        // A restarted instance is taken back within a second (gRPC's default waits up to two minutes).
        InitialReconnectBackoff = TimeSpan.FromMilliseconds(250),
        MaxReconnectBackoff = TimeSpan.FromSeconds(1),
        ServiceProvider = services,
        LoggerFactory = loggerFactory,
    });

    public CallInvoker CallInvoker => _channel.CreateCallInvoker();

    /// <summary><c>http://reco</c> becomes <c>discovery:///reco</c>; <c>dns:///</c> stays as it is.</summary>
    public static Uri ChannelAddress(Uri address) => address.Scheme switch
    {
        "http" => new Uri($"{DiscoveryResolverFactory.Scheme}:///{address.Authority}"),
        "dns" => address,
        _ => throw new InvalidOperationException($"Reco:Address {address} must be http://host[:port] (service discovery) or dns:///host:port."),
    };

    public void Dispose() => _channel.Dispose();
}
