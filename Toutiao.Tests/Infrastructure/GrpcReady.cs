using Grpc.Net.Client;

namespace Toutiao.Tests.Infrastructure;

/// <summary>Clients for Reco's plaintext HTTP/2 port.</summary>
public static class GrpcReady
{
    /// <summary>An HttpClient that speaks HTTP/2 without TLS (prior knowledge), as Reco's port requires.</summary>
    public static HttpClient CreateHttp2Client(Uri address) => new()
    {
        BaseAddress = address,
        DefaultRequestVersion = System.Net.HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    public static GrpcChannel Channel(Uri address) => GrpcChannel.ForAddress(address);
}
