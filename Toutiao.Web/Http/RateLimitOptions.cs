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

    /// <summary>Photo uploads per client address and minute.</summary>
    public int UploadsPerClientPerMinute { get; set; } = 10;
}
