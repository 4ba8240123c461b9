using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Toutiao.AppHost.Dashboard;

/// <summary>
/// The dashboard shows secrets and can stop processes, so every page and API needs a login: the
/// AppHost prints <c>/login?t={token}</c> once, and opening it sets a session cookie.
/// </summary>
public sealed class DashboardAuth(string token)
{
    public const string CookieName = "toutiao-dashboard";

    private readonly string _session = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public string Token { get; } = token;

    public bool IsLoggedIn(HttpContext http)
        => http.Request.Cookies.TryGetValue(CookieName, out var value) && Same(value, _session);

    public bool TryLogIn(HttpContext http, string? presented)
    {
        if (presented is null || !Same(presented, Token))
        {
            return false;
        }

        http.Response.Cookies.Append(CookieName, _session, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            IsEssential = true,
            Path = "/",
        });
        return true;
    }

    private static bool Same(string a, string b)
        => CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(a), System.Text.Encoding.UTF8.GetBytes(b));
}
