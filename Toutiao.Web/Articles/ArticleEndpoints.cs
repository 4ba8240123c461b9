using System.Text.Json.Serialization;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Auth;
using Toutiao.Web.Channels;
using Toutiao.Web.Http;
using Toutiao.Web.Reactions;
using Toutiao.Web.Users;

namespace Toutiao.Web.Articles;

public static class ArticleEndpoints
{
    public const int MaxPerPage = 50;
    public const int MaxPage = 100_000;

    public sealed record ArticleList(long Page, long PerPage, long TotalCount, IReadOnlyList<ArticleItem> Results);

    public sealed record ArticleDetail(
        long ArtId, string Title, DateTime Pubdate, int ChannelId, long AutId, string AutName, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? AutPhoto,
        ArticleCover Cover, long CommCount, long LikeCount, long CollectCount, long ReadCount, string Content,
        bool IsFollowed, bool IsCollected, int Attitude);

    public static IEndpointRouteBuilder MapArticleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/articles", ListAsync).WithSharedLimit(SharedLimit.Reads);
        app.MapGet("/v1_0/articles/{article_id}", DetailAsync).WithSharedLimit(SharedLimit.Reads);
        return app;
    }

    /// <summary>The plain paged list of a channel's approved articles, newest first.</summary>
    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<ApiEnvelope<ArticleList>>> ListAsync(
        string? channel_id, string? page, string? per_page,
        ChannelCatalog channels, ArticleRepository repository, ArticleInfoCache cache,
        [FromKeyedServices(StorageGuardExtensions.MySql)] StorageGuard mysql, CancellationToken cancellationToken)
    {
        var channelId = await channels.RequireChannelAsync(channel_id, cancellationToken);
        var (pageNumber, perPage) = Paging(page, per_page);
        var (total, ids) = await mysql.RunAsync(token => repository.ListApprovedAsync(channelId, pageNumber, perPage, token), cancellationToken);
        return await ArticleListAsync(total, ids, pageNumber, perPage, cache, cancellationToken);
    }

    /// <summary>The <c>page</c> (1..<paramref name="maxPage"/>, default 1) and <c>per_page</c> (1..50, default 10) of a list.</summary>
    public static (int Page, int PerPage) Paging(string? page, string? per_page, int maxPage = MaxPage)
        => ((int)RequestParameters.OptionalInt64(page, "page", 1, maxPage, 1),
            (int)RequestParameters.OptionalInt64(per_page, "per_page", 1, MaxPerPage, 10));

    /// <summary>A page of articles (<paramref name="ids"/> in their order) in the list's shape, their cards from the cache.</summary>
    public static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<ApiEnvelope<ArticleList>>> ArticleListAsync(
        long total, IReadOnlyList<long> ids, int page, int perPage, ArticleInfoCache cache, CancellationToken cancellationToken)
    {
        var cards = await cache.GetPageAsync(ids, null, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(new ArticleList(page, perPage, total, cards.Articles.Select(card => ArticleItem.From(card)).ToList())));
    }

    /// <summary>An article with its content; for a signed-in reader also whether they like, collected it and follow its author.</summary>
    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<ApiEnvelope<ArticleDetail>>> DetailAsync(
        string article_id, Reader reader, ArticleRepository repository, ArticleInfoCache cache, ArticleHtml html,
        ArticleReactions reactions, ReadingHistory history, [FromKeyedServices(StorageGuardExtensions.MySql)] StorageGuard mysql,
        CancellationToken cancellationToken)
    {
        var articleId = RequestParameters.RequiredInt64(article_id, "article_id", 1, long.MaxValue);
        var card = await cache.GetAsync(articleId, cancellationToken) ?? throw ApiException.NotFound("Article not found.");
        var content = html.Sanitize(await mysql.RunAsync(token => repository.GetContentAsync(articleId, token), cancellationToken) ?? "");
        var info = card.Info;
        var state = ReaderArticleState.None;
        if (reader.UserId is { } userId)
        {
            history.Record(userId, articleId);
            state = await reactions.GetStateAsync(userId, articleId, info.AutId, cancellationToken);
        }

        return TypedResults.Ok(ApiEnvelope.Ok(new ArticleDetail(
            info.ArtId, info.Title, info.Pubdate, info.ChannelId, info.AutId, card.Author?.Name ?? "", card.Author?.Photo,
            info.Cover, card.Counts.CommCount, card.Counts.LikeCount, card.Counts.CollectCount, card.Counts.ReadCount, content,
            state.IsFollowed, state.IsCollected, state.Attitude)));
    }
}
