using System.Diagnostics;

namespace Toutiao.Web;

/// <summary>Web's own spans (the article cache); its meters are in <see cref="Articles.ArticleCacheMetrics"/>, <see cref="Feed.FeedMetrics"/> and <see cref="Http.ApiMetrics"/>.</summary>
public static class WebTelemetry
{
    public const string SourceName = "Toutiao.Web";

    public static readonly ActivitySource Source = new(SourceName);
}
