using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Toutiao.Web.Auth;

namespace Toutiao.Web.Http;

/// <summary>
/// What an endpoint checks before its body is read. Minimal APIs read a JSON body before they
/// bind the other parameters, so a <see cref="SignedInReader"/> parameter alone would let anyone
/// have 20 MB parsed first: here an endpoint that takes one answers 401 first. Then the permits of
/// the endpoint's <see cref="SharedLimit"/>s (429), then its <see cref="BodyLimit"/> (64 KB where
/// none is given): a declared length over it is a 413 before reading, and a body without one is cut
/// off at the limit while it streams (Kestrel's own check).
/// </summary>
public sealed class RequestGate(RequestDelegate next)
{
    public const long DefaultBodyLimit = 64 * 1024;

    private static readonly ConcurrentDictionary<Endpoint, bool> SignInRequired = new();

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint() is not { } endpoint)
        {
            await next(http);
            return;
        }

        // Set first: a request refused before its body is read leaves Kestrel nothing to drain beyond it.
        var limit = endpoint.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? DefaultBodyLimit;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        if (SignInRequired.GetOrAdd(endpoint, TakesSignedInReader))
        {
            await ReaderResolver.RequireSignedInAsync(http);
        }

        if (endpoint.Metadata.GetOrderedMetadata<SharedLimitMetadata>() is { Count: > 0 } shared)
        {
            await TakePermitsAsync(http, shared);
        }

        if (http.Request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        try
        {
            await next(http);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(limit);
        }

        // Minimal APIs catch Kestrel's cut-off themselves and answer a bare 413: given its message here.
        if (http.Response.StatusCode == StatusCodes.Status413PayloadTooLarge && !http.Response.HasStarted)
        {
            throw TooLarge(limit);
        }
    }

    private static async Task TakePermitsAsync(HttpContext http, IReadOnlyList<SharedLimitMetadata> shared)
    {
        var limits = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var client = ClientAddress.Of(http);
        // Sign-in counts per client only: its endpoints carry no reader (a token refresh carries a refresh token, not an access token).
        var reader = shared.All(s => s.Limit == SharedLimit.SignIn) ? Reader.Anonymous : await ReaderResolver.ResolveAsync(http);
        if (shared.Any(s => s.Limit == SharedLimit.Reads))
        {
            // Per signed-in reader only: an anonymous id costs nothing to invent.
            await http.RequestServices.GetRequiredService<SharedPermitBlocks>().TakeAsync(
                SharedRateLimiter.PerMinute([SharedLimit.Reads], limits, client, reader.UserId is null ? "" : reader.RecoUserId));
        }

        if (shared.Any(s => s.Limit != SharedLimit.Reads))
        {
            await http.RequestServices.GetRequiredService<SharedRateLimiter>()
                .TakeAsync(shared.Select(s => s.Limit).Where(l => l != SharedLimit.Reads), limits, client, reader.RecoUserId, cost: 1);
        }
    }

    private static bool TakesSignedInReader(Endpoint endpoint)
        => endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters().Any(p => p.ParameterType == typeof(SignedInReader)) == true;

    private static ApiException TooLarge(long limit)
        => new(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
            $"The request body is too large: this endpoint takes at most {(limit % 1024 == 0 ? $"{limit / 1024} KB" : $"{limit} bytes")}."));
}
