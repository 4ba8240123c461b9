using Microsoft.AspNetCore.Http.Metadata;

namespace Toutiao.Web.Http;

/// <summary>The largest body an endpoint reads, in bytes (<see cref="RequestGate.DefaultBodyLimit"/> where none is given).</summary>
public sealed record BodyLimit(long Bytes) : IRequestSizeLimitMetadata
{
    long? IRequestSizeLimitMetadata.MaxRequestBodySize => Bytes;
}

public static class BodyLimitExtensions
{
    /// <summary>Bodies over <paramref name="bytes"/> get a 413 before they are read, or as soon as streaming passes it.</summary>
    public static TBuilder WithBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new BodyLimit(bytes));
}
