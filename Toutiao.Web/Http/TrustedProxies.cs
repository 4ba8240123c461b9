using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Toutiao.Web.Http;

/// <summary>
/// The client address behind a reverse proxy, which the per-client rate limits need. Only the
/// configured proxies are believed: by default nobody, not even loopback (ASP.NET Core's default),
/// since any local client could otherwise send <c>X-Forwarded-For</c> and pick its own partition.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<TrustedProxyOptions>().BindConfiguration(TrustedProxyOptions.SectionName)
            .Validate(o => o.Addresses.All(a => IPAddress.TryParse(a, out _)) && o.Networks.All(n => System.Net.IPNetwork.TryParse(n, out _)),
                "TrustedProxies:Addresses must be IP addresses and TrustedProxies:Networks CIDR networks.")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<TrustedProxyOptions>>((forwarded, proxies) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
#pragma warning disable ASPDEPR005 // The obsolete list still holds the loopback default and is still consulted.
            forwarded.KnownNetworks.Clear();
#pragma warning restore ASPDEPR005
            proxies.Value.Addresses.ForEach(address => forwarded.KnownProxies.Add(IPAddress.Parse(address)));
            proxies.Value.Networks.ForEach(network => forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network)));
        });
        return services;
    }

    /// <summary>
    /// Reads <c>X-Forwarded-For</c> from the trusted proxies. Without any, the middleware is left out:
    /// with empty lists it would believe every sender.
    /// </summary>
    public static IApplicationBuilder UseTrustedProxies(this IApplicationBuilder app)
    {
        var proxies = app.ApplicationServices.GetRequiredService<IOptions<TrustedProxyOptions>>().Value;
        return proxies.Addresses.Count + proxies.Networks.Count > 0 ? app.UseForwardedHeaders() : app;
    }
}
