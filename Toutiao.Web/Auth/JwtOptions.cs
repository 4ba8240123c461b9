using System.ComponentModel.DataAnnotations;

namespace Toutiao.Web.Auth;

/// <summary>Token settings; section <c>Jwt</c>. The secret has no default: Production must set it.</summary>
public sealed class JwtOptions
{
    public const string SectionName = "Jwt";

    /// <summary>HS256 key, at least 32 characters.</summary>
    [Required, MinLength(32)]
    public string Secret { get; set; } = "";

    public string Issuer { get; set; } = "toutiao";

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How often each Web process learns who is disabled and which sign-ins were revoked: their access tokens stop within it.</summary>
    public TimeSpan SessionCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
