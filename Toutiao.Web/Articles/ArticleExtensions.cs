namespace Toutiao.Web.Articles;

public static class ArticleExtensions
{
    /// <summary>Articles and their cache: cards and counters in Redis in front of MySQL, warmed at start.</summary>
    public static IHostApplicationBuilder AddArticles(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ArticleCacheOptions>().BindConfiguration(ArticleCacheOptions.SectionName);
        builder.Services.AddSingleton<ArticleCacheMetrics>();
        builder.Services.AddSingleton<ArticleRepository>();
        builder.Services.AddSingleton<ArticleHtml>();
        builder.Services.AddSingleton<LocalCardCache>();
        builder.Services.AddSingleton<ArticleCounterChanges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArticleCounterChanges>());
        builder.Services.AddSingleton<ArticleInfoCache>();
        builder.Services.AddSingleton<ArticleStatuses>();
        builder.Services.AddSingleton<ArticleCounterUpdates>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArticleCounterUpdates>());
        builder.Services.AddSingleton<ArticleCacheWarmer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArticleCacheWarmer>());
        builder.Services.AddHealthChecks().AddCheck<ArticleCacheWarmer>("article-cache", tags: ["ready"]);
        return builder;
    }
}
