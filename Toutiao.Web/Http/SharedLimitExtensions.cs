namespace Toutiao.Web.Http;

public static class SharedLimitExtensions
{
    /// <summary>Requests to the endpoint take a permit of each of <paramref name="limits"/> (the request gate, before the body is read).</summary>
    public static TBuilder WithSharedLimit<TBuilder>(this TBuilder builder, params SharedLimit[] limits) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata([.. limits.Select(limit => new SharedLimitMetadata(limit))]);
}

/// <summary>The <see cref="SharedLimit"/> an endpoint takes a permit of.</summary>
public sealed record SharedLimitMetadata(SharedLimit Limit);
