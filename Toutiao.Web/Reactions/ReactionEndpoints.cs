using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Articles;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Http;

namespace Toutiao.Web.Reactions;

/// <summary>Likes, dislikes and collections in the original's shape: <c>POST {target}</c> → 201 <c>{target}</c>, <c>DELETE .../{target}</c> → 204.</summary>
public static class ReactionEndpoints
{
    public sealed record ReactionTarget(long Target);

    public static IEndpointRouteBuilder MapReactionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/article/collections", CollectedAsync).WithSharedLimit(SharedLimit.Lookups);
        foreach (var (path, reaction) in new[] { ("likings", Reaction.Like), ("dislikes", Reaction.Dislike), ("collections", Reaction.Collect) })
        {
            app.MapPost($"/v1_0/article/{path}", (JsonElement body, SignedInReader reader, ArticleReactions reactions, BehaviorLog behaviors,
                    CancellationToken ct)
                => AddAsync(reaction, body, reader, reactions, behaviors, ct)).WithSharedLimit(SharedLimit.Writes);
            app.MapDelete($"/v1_0/article/{path}/{{target}}", (string target, SignedInReader reader, ArticleReactions reactions, CancellationToken ct)
                => RemoveAsync(reaction, target, reader, reactions, ct)).WithSharedLimit(SharedLimit.Writes);
        }

        return app;
    }

    /// <summary>The signed-in reader's collected articles, the latest first, paged like the article list.</summary>
    private static async Task<Ok<ApiEnvelope<ArticleEndpoints.ArticleList>>> CollectedAsync(
        string? page, string? per_page, SignedInReader reader, ArticleReactions reactions, ArticleInfoCache cache,
        CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        var (pageNumber, perPage) = ArticleEndpoints.Paging(page, per_page);
        var (total, ids) = await reactions.CollectedAsync(userId, pageNumber, perPage, cancellationToken);
        return await ArticleEndpoints.ArticleListAsync(total, ids, pageNumber, perPage, cache, cancellationToken);
    }

    private static async Task<Created<ApiEnvelope<ReactionTarget>>> AddAsync(
        Reaction reaction, JsonElement body, SignedInReader reader, ArticleReactions reactions, BehaviorLog behaviors,
        CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        var target = RequestParameters.RequiredInt64(body, "target", 1, long.MaxValue);
        var changed = await reactions.SetAsync(userId, target, reaction, on: true, cancellationToken);
        if (reaction == Reaction.Dislike)
        {
            // Reco's consumer keeps a disliked article away from this reader, as it does a read one.
            await behaviors.AppendActionAsync("dislike", userId, target);
        }
        else if (changed)
        {
            // What the reader likes, for Reco's profile of them; a repeat (a double tap, a retry) says nothing new.
            // The course app and the reader page collect through this endpoint only, never with a page's
            // collect tracking string (what anonymous readers, who cannot call this, report): never both.
            await behaviors.AppendActionAsync(reaction == Reaction.Like ? "like" : "collect", userId, target);
        }

        return TypedResults.Created((string?)null, ApiEnvelope.Ok(new ReactionTarget(target)));
    }

    private static async Task<NoContent> RemoveAsync(
        Reaction reaction, string target, SignedInReader reader, ArticleReactions reactions, CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        await reactions.SetAsync(userId, RequestParameters.RequiredInt64(target, "target", 1, long.MaxValue), reaction, on: false, cancellationToken);
        return TypedResults.NoContent();
    }
}
