using System.Net;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.ServiceDiscovery;

namespace Toutiao.Web.Feed;

/// <summary>
/// Gives a gRPC channel every address service discovery knows for a service
/// (<c>discovery:///reco</c> is every <c>services:reco:http:*</c>), so its <c>round_robin</c>
/// balancer spreads calls, not connections, over the instances and skips one that is down. Behind
/// one address (DCP's proxy, a Kubernetes ClusterIP) a channel's one HTTP/2 connection would carry
/// every call to the same instance.
/// </summary>
public sealed class DiscoveryResolverFactory(ServiceEndpointResolver endpoints) : ResolverFactory
{
    public const string Scheme = "discovery";

    public override string Name => Scheme;

    public override Resolver Create(ResolverOptions options)
        => new DiscoveryResolver($"http://{options.Address.AbsolutePath.TrimStart('/')}", endpoints, options.LoggerFactory);

    private sealed class DiscoveryResolver(string service, ServiceEndpointResolver endpoints, ILoggerFactory loggerFactory)
        : PollingResolver(loggerFactory)
    {
        private IDisposable? _watch;

        protected override async Task ResolveAsync(CancellationToken cancellationToken)
        {
            try
            {
                var source = await endpoints.GetEndpointsAsync(service, cancellationToken);
                var addresses = source.Endpoints.Select(e => e.EndPoint switch
                {
                    DnsEndPoint dns => new BalancerAddress(dns.Host, dns.Port),
                    IPEndPoint ip => new BalancerAddress(ip.Address.ToString(), ip.Port),
                    UriEndPoint uri => new BalancerAddress(uri.Uri.Host, uri.Uri.Port),
                    var other => throw new InvalidOperationException($"{service} resolved to {other}, which is not a host and port."),
                }).ToList();
                // A changed configuration (or provider) is taken at once, not at the next failure.
                _watch?.Dispose();
                _watch = source.ChangeToken.RegisterChangeCallback(_ => Refresh(), null);
                Listener(ResolverResult.ForResult(addresses));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // The channel fails its calls with this status and resolves again with back-off.
                Listener(ResolverResult.ForFailure(new Grpc.Core.Status(Grpc.Core.StatusCode.Unavailable, $"Resolving {service} failed: {ex.Message}", ex)));
            }
        }

        protected override void Dispose(bool disposing)
        {
            _watch?.Dispose();
            base.Dispose(disposing);
        }
    }
}
