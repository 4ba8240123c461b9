using Grpc.Core;

namespace Toutiao.Web.Feed;

/// <summary>Reco did not answer in time or failed: the caller may serve something less personal.</summary>
public sealed class RecoUnavailableException(StatusCode statusCode, Exception inner)
    : Exception($"Reco call failed with {statusCode}.", inner)
{
    public StatusCode StatusCode { get; } = statusCode;
}
