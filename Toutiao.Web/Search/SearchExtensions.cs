namespace Toutiao.Web.Search;

public static class SearchExtensions
{
    /// <summary>Full-text search over titles and contents, an in-memory index refreshed in the background.</summary>
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SearchOptions>().BindConfiguration(SearchOptions.SectionName)
            .Validate(o => o.RefreshInterval > TimeSpan.Zero, "Search:RefreshInterval must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<ArticleSearch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArticleSearch>());
        return builder;
    }
}
