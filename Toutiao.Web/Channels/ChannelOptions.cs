namespace Toutiao.Web.Channels;

public sealed class ChannelOptions
{
    public const string SectionName = "Channels";

    /// <summary>How long the channel list is held in memory before one request reloads it.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(1);
}
