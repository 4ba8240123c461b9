using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Http;

namespace Toutiao.Web.Comments;

public static class CommentEndpoints
{
    public sealed record CommentTarget(long Target);

    public static IEndpointRouteBuilder MapCommentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/comments", ListAsync).WithSharedLimit(SharedLimit.Lookups);
        app.MapPost("/v1_0/comments", PostAsync).WithSharedLimit(SharedLimit.Writes, SharedLimit.Comments);
        app.MapPost("/v1_0/comment/likings", async (JsonElement body, SignedInReader reader, ArticleComments comments, CancellationToken ct) =>
        {
            var userId = reader.UserId;
            var target = RequestParameters.RequiredInt64(body, "target", 1, long.MaxValue);
            await comments.SetLikingAsync(userId, target, on: true, ct);
            return TypedResults.Created((string?)null, ApiEnvelope.Ok(new CommentTarget(target)));
        }).WithSharedLimit(SharedLimit.Writes);
        app.MapDelete("/v1_0/comment/likings/{target}", async (string target, SignedInReader reader, ArticleComments comments, CancellationToken ct) =>
        {
            var userId = reader.UserId;
            await comments.SetLikingAsync(userId, RequestParameters.RequiredInt64(target, "target", 1, long.MaxValue), on: false, ct);
            return TypedResults.NoContent();
        }).WithSharedLimit(SharedLimit.Writes);
        return app;
    }

    /// <summary><c>type=a</c>: comments of article <c>source</c>; <c>type=c</c>: replies to comment <c>source</c>. <c>offset</c>: the last <c>last_id</c>.</summary>
    private static async Task<Ok<ApiEnvelope<CommentPage>>> ListAsync(
        string? type, string? source, string? offset, string? limit, Reader reader, ArticleComments comments,
        CancellationToken cancellationToken)
    {
        var ofArticle = type switch
        {
            "a" => true,
            "c" => false,
            _ => throw ApiException.BadRequest("type must be 'a' (an article's comments) or 'c' (a comment's replies)."),
        };
        var page = await comments.ListAsync(ofArticle, RequestParameters.RequiredInt64(source, "source", 1, long.MaxValue),
            string.IsNullOrEmpty(offset) || offset == "null" ? null : RequestParameters.RequiredInt64(offset, "offset", 1, long.MaxValue),
            (int)RequestParameters.OptionalInt64(limit, "limit", 1, ArticleComments.MaxLimit, 10), reader.UserId, cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(page));
    }

    /// <summary><c>{"target": article id, "content"}</c> comments an article; with <c>"art_id"</c>, <c>target</c> is the comment replied to.</summary>
    private static async Task<Created<ApiEnvelope<PostedComment>>> PostAsync(
        JsonElement body, SignedInReader reader, ArticleComments comments, BehaviorLog behaviors, HttpContext http, CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        var target = RequestParameters.RequiredInt64(body, "target", 1, long.MaxValue);
        long? articleId = body.TryGetProperty("art_id", out var art) && art.ValueKind is not JsonValueKind.Null ? RequestParameters.RequiredInt64(body, "art_id", 1, long.MaxValue) : null;
        var content = body.TryGetProperty("content", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString()!.Trim() : "";
        if (content.Length is 0 or > ArticleComments.MaxContentLength)
        {
            throw ApiException.BadRequest($"content must be 1 to {ArticleComments.MaxContentLength} characters.");
        }

        var posted = await comments.AddAsync(userId, target, articleId, content, IdempotentWrites.KeyOf(http.Request), cancellationToken);
        if (!posted.Replayed)
        {
            // A reply is a comment on the article too (AddAsync has checked the comment is of it).
            await behaviors.AppendActionAsync("comment", userId, posted.ArticleId);
        }

        return TypedResults.Created((string?)null, ApiEnvelope.Ok(posted.Answer));
    }
}
