using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Toutiao.Web.Articles;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Http;
using Toutiao.Web.Images;

namespace Toutiao.Web.Users;

public static class UserEndpoints
{
    public const int MaxNameLength = 32;
    public const int MaxIntroLength = 50;

    public sealed record UserPhoto(long Id, string Photo);

    public sealed record FollowTarget(long Target);

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1_0/user", async (SignedInReader reader, UserDirectory directory, CancellationToken ct)
            => TypedResults.Ok(ApiEnvelope.Ok(await directory.GetAsync(reader.UserId, null, ct)))).WithSharedLimit(SharedLimit.Reads);
        app.MapGet("/v1_0/users/{id}", async (string id, Reader reader, UserDirectory directory, CancellationToken ct) =>
        {
            var viewer = reader.UserId;
            return TypedResults.Ok(ApiEnvelope.Ok(await directory.GetAsync(RequestParameters.RequiredInt64(id, "id", 1, long.MaxValue), viewer, ct)));
        }).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/user/profile", async (SignedInReader reader, UserDirectory directory, CancellationToken ct)
            => TypedResults.Ok(ApiEnvelope.Ok(await directory.GetProfileAsync(reader.UserId, ct)))).WithSharedLimit(SharedLimit.Reads);
        app.MapPatch("/v1_0/user/profile", UpdateProfileAsync).WithSharedLimit(SharedLimit.Writes);
        // multipart/form-data with the image in "photo", as the app sends it; no antiforgery: the token is a header.
        app.MapPatch("/v1_0/user/photo", async (SignedInReader reader, HttpContext http, UserDirectory directory, ImageStore images, CancellationToken ct) =>
        {
            var userId = reader.UserId;
            if (!http.Request.HasFormContentType)
            {
                throw ApiException.BadRequest("Send the photo as multipart/form-data in the field 'photo'.");
            }

            var form = await http.Request.ReadFormAsync(ct);
            var file = form.Files.GetFile("photo") ?? throw ApiException.BadRequest("Send the photo as multipart/form-data in the field 'photo'.");
            var path = await images.SaveUploadAsync(file, userId.ToString(CultureInfo.InvariantCulture), ct);
            string? previous;
            try
            {
                previous = await directory.ReplacePhotoAsync(userId, path, ct);
            }
            catch
            {
                images.DeleteUpload(path);
                throw;
            }

            // The replaced photo's file goes with it (a demo avatar has no file).
            images.DeleteUpload(previous);
            return TypedResults.Ok(ApiEnvelope.Ok(new UserPhoto(userId, path)));
        }).DisableAntiforgery()
            // The form around the image: a few hundred bytes of boundaries and headers; 16 KB is plenty.
            .WithBodyLimit(app.ServiceProvider.GetRequiredService<IOptions<ImageOptions>>().Value.MaxUploadBytes + (16 * 1024)).WithSharedLimit(SharedLimit.Writes, SharedLimit.Uploads);
        app.MapGet("/v1_0/user/histories", async (string? page, string? per_page, SignedInReader reader, ReadingHistory history,
            ArticleInfoCache cache, CancellationToken ct) =>
        {
            var userId = reader.UserId;
            var (pageNumber, perPage) = ArticleEndpoints.Paging(page, per_page);
            var (total, ids) = await history.PageAsync(userId, pageNumber, perPage);
            return await ArticleEndpoints.ArticleListAsync(total, ids, pageNumber, perPage, cache, ct);
        }).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/user/articles", async (string? page, string? per_page, SignedInReader reader, ArticleRepository repository,
            ArticleInfoCache cache, CancellationToken ct)
            => await AuthoredAsync(reader.UserId, page, per_page, repository, cache, ct)).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/users/{id}/articles", async (string id, string? page, string? per_page, UserDirectory directory, ArticleRepository repository,
            ArticleInfoCache cache, CancellationToken ct) =>
        {
            var userId = RequestParameters.RequiredInt64(id, "id", 1, long.MaxValue);
            await directory.GetAsync(userId, null, ct);
            return await AuthoredAsync(userId, page, per_page, repository, cache, ct);
        }).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/user/followings", (string? page, string? per_page, SignedInReader reader, UserDirectory directory, CancellationToken ct)
            => RelatedAsync(followers: false, page, per_page, reader, directory, ct)).WithSharedLimit(SharedLimit.Lookups);
        app.MapGet("/v1_0/user/followers", (string? page, string? per_page, SignedInReader reader, UserDirectory directory, CancellationToken ct)
            => RelatedAsync(followers: true, page, per_page, reader, directory, ct)).WithSharedLimit(SharedLimit.Lookups);
        app.MapPost("/v1_0/user/followings", async (JsonElement body, SignedInReader reader, Followings followings, BehaviorLog behaviors,
            CancellationToken cancellationToken) =>
        {
            var target = RequestParameters.RequiredInt64(body, "target", 1, long.MaxValue);
            await FollowAsync(reader.UserId, target, follow: true, followings, behaviors, cancellationToken);
            return TypedResults.Created((string?)null, ApiEnvelope.Ok(new FollowTarget(target)));
        }).WithSharedLimit(SharedLimit.Writes);
        app.MapDelete("/v1_0/user/followings/{target}", async (string target, SignedInReader reader, Followings followings, BehaviorLog behaviors,
            CancellationToken cancellationToken) =>
        {
            await FollowAsync(reader.UserId, RequestParameters.RequiredInt64(target, "target", 1, long.MaxValue), follow: false, followings, behaviors,
                cancellationToken);
            return TypedResults.NoContent();
        }).WithSharedLimit(SharedLimit.Writes);
        return app;
    }

    /// <summary>Follows or unfollows, and tells Reco's behaviour stream when that changed something (of an author, so of no article).</summary>
    private static async Task FollowAsync(long userId, long target, bool follow, Followings followings, BehaviorLog behaviors,
        CancellationToken cancellationToken)
    {
        if (await followings.SetAsync(userId, target, follow, cancellationToken))
        {
            await behaviors.AppendActionAsync(follow ? "follow" : "unfollow", userId, articleId: 0, authorId: target);
        }
    }

    /// <summary>An author's approved articles, newest first, in the article list's shape.</summary>
    private static async Task<Ok<ApiEnvelope<ArticleEndpoints.ArticleList>>> AuthoredAsync(
        long authorId, string? page, string? per_page, ArticleRepository repository, ArticleInfoCache cache, CancellationToken cancellationToken)
    {
        var (pageNumber, perPage) = ArticleEndpoints.Paging(page, per_page);
        var (total, ids) = await repository.ListApprovedAsync(0, pageNumber, perPage, cancellationToken, authorId);
        return await ArticleEndpoints.ArticleListAsync(total, ids, pageNumber, perPage, cache, cancellationToken);
    }

    private static async Task<Ok<ApiEnvelope<RelatedUserPage>>> RelatedAsync(
        bool followers, string? page, string? per_page, SignedInReader reader, UserDirectory directory, CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        var (pageNumber, perPage) = ArticleEndpoints.Paging(page, per_page);
        return TypedResults.Ok(ApiEnvelope.Ok(await directory.RelatedAsync(userId, followers, pageNumber, perPage, cancellationToken)));
    }

    /// <summary><c>{"name","gender","birthday","intro"}</c>, any of them; answers the whole profile.</summary>
    private static async Task<Ok<ApiEnvelope<UserProfile>>> UpdateProfileAsync(
        JsonElement body, SignedInReader reader, UserDirectory directory, CancellationToken cancellationToken)
    {
        var userId = reader.UserId;
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("The body must be an object of name, gender, birthday and intro.");
        }

        var name = Text(body, "name", 1, MaxNameLength);
        if (name is not null && DisplayName.HoldsMobileNumber(name))
        {
            throw ApiException.BadRequest("name must not hold a mobile number: others see it.");
        }

        var changes = new ProfileChanges(
            name,
            body.TryGetProperty("gender", out var gender) && gender.ValueKind != JsonValueKind.Null
                ? (int)RequestParameters.RequiredInt64(gender.ToString(), "gender", 0, 1)
                : null,
            Text(body, "birthday", 10, 10) is { } birthday
                ? DateOnly.TryParseExact(birthday, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) && date <= DateOnly.FromDateTime(DateTime.UtcNow)
                    ? birthday
                    : throw ApiException.BadRequest("birthday must be a past date, yyyy-MM-dd.")
                : null,
            Text(body, "intro", 0, MaxIntroLength));
        return TypedResults.Ok(ApiEnvelope.Ok(await directory.UpdateProfileAsync(userId, changes, cancellationToken)));
    }

    /// <summary>A string field, trimmed, of <paramref name="min"/> to <paramref name="max"/> characters; null when absent.</summary>
    private static string? Text(JsonElement body, string name, int min, int max)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString()!.Trim() : null;
        return text is not null && text.Length >= min && text.Length <= max
            ? text
            : throw ApiException.BadRequest($"{name} must be text of {min} to {max} characters.");
    }
}
