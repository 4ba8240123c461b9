using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Web.Reactions;

/// <summary>Likes and collections in the original's shape: <c>POST {target}</c> → 201 <c>{target}</c>, <c>DELETE .../{target}</c> → 204.</summary>
public static class ReactionEndpoints
{
    public sealed record ReactionTarget(long Target);

    public static IEndpointRouteBuilder MapReactionEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var (path, reaction) in new[] { ("likings", Reaction.Like), ("collections", Reaction.Collect) })
        {
            app.MapPost($"/v1_0/article/{path}", (JsonElement body, HttpContext http, FeedUserResolver users, ArticleReactions reactions, CancellationToken ct)
                => AddAsync(reaction, body, http, users, reactions, ct));
            app.MapDelete($"/v1_0/article/{path}/{{target}}", (string target, HttpContext http, FeedUserResolver users, ArticleReactions reactions, CancellationToken ct)
                => RemoveAsync(reaction, target, http, users, reactions, ct));
        }

        return app;
    }

    private static async Task<Created<ApiEnvelope<ReactionTarget>>> AddAsync(
        Reaction reaction, JsonElement body, HttpContext http, FeedUserResolver users, ArticleReactions reactions, CancellationToken cancellationToken)
    {
        var userId = await users.RequireSignedInAsync(http);
        var target = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("target", out var value)
            ? RequestParameters.RequiredInt64(value.ValueKind is JsonValueKind.Number or JsonValueKind.String ? value.ToString() : null, "target", 1, long.MaxValue)
            : throw ApiException.BadRequest("target is required: {\"target\": <article id>}.");
        await reactions.SetAsync(userId, target, reaction, on: true, cancellationToken);
        return TypedResults.Created((string?)null, ApiEnvelope.Ok(new ReactionTarget(target)));
    }

    private static async Task<NoContent> RemoveAsync(
        Reaction reaction, string target, HttpContext http, FeedUserResolver users, ArticleReactions reactions, CancellationToken cancellationToken)
    {
        var userId = await users.RequireSignedInAsync(http);
        await reactions.SetAsync(userId, RequestParameters.RequiredInt64(target, "target", 1, long.MaxValue), reaction, on: false, cancellationToken);
        return TypedResults.NoContent();
    }
}
