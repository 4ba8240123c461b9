namespace Toutiao.Web.Http;

/// <summary>The reverse proxies whose <c>X-Forwarded-For</c> is believed (section <c>TrustedProxies</c>).</summary>
public sealed class TrustedProxyOptions
{
    public const string SectionName = "TrustedProxies";

    /// <summary>Addresses of proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> Addresses { get; set; } = [];

    /// <summary>Networks of proxies in CIDR notation, e.g. <c>10.0.0.0/8</c>.</summary>
    public List<string> Networks { get; set; } = [];
}
