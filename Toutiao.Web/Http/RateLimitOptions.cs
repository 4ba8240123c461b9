namespace Toutiao.Web.Http;

/// <summary>Limits on what one client can ask for (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sign-in attempts and code requests per client address and minute.</summary>
    public int SignInPerClientPerMinute { get; set; } = 20;

    /// <summary>Login codes issued per mobile number in <see cref="CodesPerMobileWindow"/>.</summary>
    public int CodesPerMobile { get; set; } = 5;

    public TimeSpan CodesPerMobileWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Feed pages per minute for readers without a token, per client address.</summary>
    public int AnonymousFeedPerClientPerMinute { get; set; } = 600;

    /// <summary>Comments and replies posted per client address and minute.</summary>
    public int CommentsPerClientPerMinute { get; set; } = 30;

    /// <summary>Behaviours reported (<c>POST /v1_0/behaviors</c>, each item of a list counts) per reader and minute, across replicas.</summary>
    public int ReportsPerReaderPerMinute { get; set; } = 300;

    /// <summary>Behaviours reported per client address (IPv6: per /64) and minute, across replicas: all the readers behind one address together.</summary>
    public int ReportsPerClientPerMinute { get; set; } = 1200;

    /// <summary>Photo uploads per client address and minute.</summary>
    public int UploadsPerClientPerMinute { get; set; } = 10;
}
