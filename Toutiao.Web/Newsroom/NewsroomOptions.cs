namespace Toutiao.Web.Newsroom;

/// <summary>
/// <c>Demo:PublishInterval</c>: how often the demo newsroom publishes an article. Zero (the
/// default, and what production gets) switches it off; Development sets 30 s so a running
/// system has fresh articles ("刚刚", "x 分钟前") and the <c>new</c> recall source moves.
/// </summary>
public sealed class NewsroomOptions
{
    public const string SectionName = "Demo";

    public TimeSpan PublishInterval { get; set; } = TimeSpan.Zero;

    public bool Enabled => PublishInterval > TimeSpan.Zero;
}
