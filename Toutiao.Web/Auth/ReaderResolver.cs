using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Toutiao.Contracts.Readers;
using Toutiao.Web.Http;

namespace Toutiao.Web.Auth;

/// <summary>
/// Reads the Authorization header of a request: none is anonymous, <c>Bearer &lt;JWT&gt;</c>
/// a signed-in user (401 when invalid or expired, 403 for a refresh token), <c>Anony &lt;id&gt;</c>
/// an anonymous reader whose feed is remembered; anything else is a 400.
/// </summary>
public static partial class ReaderResolver
{
    public const string InvalidTokenMessage = "Token has some errors.";

    private static readonly object ResolvedKey = new();

    public static async Task<Reader> ResolveAsync(HttpContext http)
    {
        // Asked by the request gate, a limit and the endpoint's parameters: the token is checked once.
        if (http.Items.TryGetValue(ResolvedKey, out var resolved) && resolved is Reader known)
        {
            return known;
        }

        var reader = await ReadAsync(http);
        http.Items[ResolvedKey] = reader;
        return reader;
    }

    private static async Task<Reader> ReadAsync(HttpContext http)
    {
        var headers = http.Request.Headers.Authorization;
        if (headers.Count == 0 || (headers.Count == 1 && string.IsNullOrWhiteSpace(headers[0])))
        {
            return Reader.Anonymous;
        }

        if (headers.Count > 1)
        {
            throw ApiException.BadRequest("Authorization header must be given once.");
        }

        var header = headers[0]!.Trim();
        var space = header.IndexOf(' ');
        var scheme = space < 0 ? header : header[..space];
        var credential = space < 0 ? "" : header[(space + 1)..].Trim();

        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
            if (!result.Succeeded || TokenService.UserId(result.Principal) is not { } userId)
            {
                throw new ApiException(StatusCodes.Status401Unauthorized, InvalidTokenMessage);
            }

            if (TokenService.IsRefresh(result.Principal))
            {
                throw new ApiException(StatusCodes.Status403Forbidden, "Do not use refresh token.");
            }

            if (http.RequestServices.GetService<SessionGuard>()?.Refusal(userId, TokenService.Family(result.Principal)) is { } refusal)
            {
                throw new ApiException(StatusCodes.Status401Unauthorized, refusal);
            }

            return new Reader(userId.ToString(System.Globalization.CultureInfo.InvariantCulture), userId);
        }

        if (scheme.Equals("Anony", StringComparison.OrdinalIgnoreCase))
        {
            if (!AnonymousId().IsMatch(credential))
            {
                throw ApiException.BadRequest("Authorization: the anonymous id must be 1 to 64 letters, digits, '-' or '_'.");
            }

            return new Reader(AnonymousReaders.UserId(credential), null);
        }

        throw ApiException.BadRequest("Authorization header must be 'Bearer <token>' or 'Anony <id>'.");
    }

    /// <summary>The signed-in user's id; 401 without a valid access token (anonymous readers included).</summary>
    public static async Task<long> RequireSignedInAsync(HttpContext http)
        => (await ResolveAsync(http)).UserId
           ?? throw new ApiException(StatusCodes.Status401Unauthorized, "Sign in first: this needs 'Authorization: Bearer <token>'.");

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex AnonymousId();
}
