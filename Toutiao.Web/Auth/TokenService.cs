using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Toutiao.Web.Auth;

/// <summary>Issues the HS256 tokens of the original system: claims <c>user_id</c> and <c>refresh</c>.</summary>
public sealed class TokenService(IOptions<JwtOptions> options, TimeProvider clock)
{
    public const string UserIdClaim = "user_id";
    public const string RefreshClaim = "refresh";

    public static SymmetricSecurityKey SigningKey(JwtOptions options) => new(Encoding.UTF8.GetBytes(options.Secret));

    public (string Token, string RefreshToken) Issue(long userId)
        => (Create(userId, refresh: false), Create(userId, refresh: true));

    public string Create(long userId, bool refresh)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (refresh ? settings.RefreshTokenLifetime : settings.AccessTokenLifetime),
            Claims = new Dictionary<string, object> { [UserIdClaim] = userId, [RefreshClaim] = refresh },
            SigningCredentials = new SigningCredentials(SigningKey(settings), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The user id of a validated principal, or null when the claims are not ours.</summary>
    public static long? UserId(ClaimsPrincipal principal)
        => long.TryParse(principal.FindFirst(UserIdClaim)?.Value, out var id) && id > 0 ? id : null;

    public static bool IsRefresh(ClaimsPrincipal principal)
        => bool.TryParse(principal.FindFirst(RefreshClaim)?.Value, out var refresh) && refresh;
}
