using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Toutiao.Web.Auth;

/// <summary>
/// Issues the HS256 tokens of the original system: claims <c>user_id</c> and <c>refresh</c>, and
/// ours: <c>fam</c>, the sign-in both belong to, and a refresh token's <c>jti</c> (<see cref="SessionFamilies"/>).
/// </summary>
public sealed class TokenService(IOptions<JwtOptions> options, TimeProvider clock)
{
    public const string UserIdClaim = "user_id";
    public const string RefreshClaim = "refresh";
    public const string FamilyClaim = "fam";
    public const string TokenIdClaim = "jti";

    public static SymmetricSecurityKey SigningKey(JwtOptions options) => new(Encoding.UTF8.GetBytes(options.Secret));

    /// <summary>An access token and a refresh token of sign-in <paramref name="family"/>.</summary>
    public (string Token, string RefreshToken) Issue(long userId, string family, string refreshTokenId)
        => (Create(userId, refresh: false, family), Create(userId, refresh: true, family, refreshTokenId));

    /// <summary>A token; without a family (tests) it belongs to no sign-in and cannot be refreshed.</summary>
    public string Create(long userId, bool refresh, string? family = null, string? tokenId = null)
    {
        var claims = new Dictionary<string, object> { [UserIdClaim] = userId, [RefreshClaim] = refresh };
        if (family is not null)
        {
            claims[FamilyClaim] = family;
        }

        if (tokenId is not null)
        {
            claims[TokenIdClaim] = tokenId;
        }

        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (refresh ? settings.RefreshTokenLifetime : settings.AccessTokenLifetime),
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKey(settings), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The user id of a validated principal, or null when the claims are not ours.</summary>
    public static long? UserId(ClaimsPrincipal principal)
        => long.TryParse(principal.FindFirst(UserIdClaim)?.Value, out var id) && id > 0 ? id : null;

    public static string? Family(ClaimsPrincipal principal) => principal.FindFirst(FamilyClaim)?.Value;

    public static string? TokenId(ClaimsPrincipal principal) => principal.FindFirst(TokenIdClaim)?.Value;

    public static bool IsRefresh(ClaimsPrincipal principal)
        => bool.TryParse(principal.FindFirst(RefreshClaim)?.Value, out var refresh) && refresh;
}
