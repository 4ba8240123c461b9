namespace Toutiao.Web.Http;

/// <summary>Limits on what one client can ask for (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>Sign-in attempts and code requests per client address and minute, across replicas.</summary>
    public int SignInPerClientPerMinute { get; set; } = 20;

    /// <summary>Login codes issued per mobile number in <see cref="CodesPerMobileWindow"/>, across replicas.</summary>
    public int CodesPerMobile { get; set; } = 5;

    public TimeSpan CodesPerMobileWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Reads (<see cref="SharedLimit.Reads"/>: feed pages, article detail, the reader's own data) per signed-in reader and minute, across replicas.</summary>
    public int ReadsPerReaderPerMinute { get; set; } = 600;

    /// <summary>Reads per client address and minute, across replicas: every reader behind one address, with or without a token.</summary>
    public int ReadsPerClientPerMinute { get; set; } = 3000;

    /// <summary>Comments and replies posted per client address, and per reader, and minute, across replicas.</summary>
    public int CommentsPerClientPerMinute { get; set; } = 30;

    /// <summary>Behaviours reported (<c>POST /v1_0/behaviors</c>, each item of a list counts) per reader and minute, across replicas.</summary>
    public int ReportsPerReaderPerMinute { get; set; } = 300;

    /// <summary>Behaviours reported per client address (IPv6: per /64) and minute, across replicas: all the readers behind one address together.</summary>
    public int ReportsPerClientPerMinute { get; set; } = 1200;

    /// <summary>Lookups per reader and minute, across replicas: users and their relations, lists, search and suggestions, comments (<see cref="SharedLimit.Lookups"/>).</summary>
    public int LookupsPerReaderPerMinute { get; set; } = 300;

    /// <summary>Lookups per client address and minute, across replicas.</summary>
    public int LookupsPerClientPerMinute { get; set; } = 1200;

    /// <summary>Writes on a reader's behalf per reader and minute, across replicas: likes, collections, follows, channels, profile, comments (<see cref="SharedLimit.Writes"/>).</summary>
    public int WritesPerReaderPerMinute { get; set; } = 120;

    /// <summary>Writes per client address and minute, across replicas.</summary>
    public int WritesPerClientPerMinute { get; set; } = 600;

    /// <summary>The per-minute permits of a shared limit, per reader and per client (one number for both where only one is configured).</summary>
    public (int PerReader, int PerClient) PerMinute(SharedLimit limit) => limit switch
    {
        SharedLimit.Reports => (ReportsPerReaderPerMinute, ReportsPerClientPerMinute),
        SharedLimit.Lookups => (LookupsPerReaderPerMinute, LookupsPerClientPerMinute),
        SharedLimit.Writes => (WritesPerReaderPerMinute, WritesPerClientPerMinute),
        SharedLimit.SignIn => (SignInPerClientPerMinute, SignInPerClientPerMinute),
        SharedLimit.Comments => (CommentsPerClientPerMinute, CommentsPerClientPerMinute),
        SharedLimit.Uploads => (UploadsPerClientPerMinute, UploadsPerClientPerMinute),
        SharedLimit.Reads => (ReadsPerReaderPerMinute, ReadsPerClientPerMinute),
        _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, null),
    };

    /// <summary>Photo uploads per client address, and per reader, and minute, across replicas.</summary>
    public int UploadsPerClientPerMinute { get; set; } = 10;
}
