using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Articles;
using Toutiao.Web.Http;

namespace Toutiao.Web.Search;

public static class SearchEndpoints
{
    public const int MaxQueryLength = 50;

    public sealed record Suggestions(IReadOnlyList<string> Options);

    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/suggestion", (string? q, ArticleSearch search)
            => TypedResults.Ok(ApiEnvelope.Ok(new Suggestions(search.Suggest(RequireQuery(q), 10))))).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/search", SearchAsync).WithSharedLimit(SharedLimit.Lookups);
        return app;
    }

    /// <summary>Articles matching <c>q</c> in their titles and content, best first, in the article list's shape.</summary>
    private static async Task<Ok<ApiEnvelope<ArticleEndpoints.ArticleList>>> SearchAsync(
        string? q, string? page, string? per_page, ArticleSearch search, ArticleInfoCache cache, CancellationToken cancellationToken)
    {
        var query = RequireQuery(q);
        // Lucene collects every hit up to the page: deep pages are bounded.
        var (pageNumber, perPage) = ArticleEndpoints.Paging(page, per_page, maxPage: 1000);
        var (total, ids) = search.Search(query, pageNumber, perPage);
        return await ArticleEndpoints.ArticleListAsync(total, ids, pageNumber, perPage, cache, cancellationToken);
    }

    private static string RequireQuery(string? q)
        => q?.Trim() is { Length: > 0 and <= MaxQueryLength } query
            ? query
            : throw ApiException.BadRequest($"q must be 1 to {MaxQueryLength} characters.");
}
