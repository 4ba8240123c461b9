using Microsoft.AspNetCore.Http.HttpResults;
using MySqlConnector;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Web.Users;

/// <summary>Who a signed-in reader follows (<c>user_relation</c>, relation 1). Following twice, or unfollowing a stranger, changes nothing.</summary>
public sealed class Followings(MySqlDataSource database)
{
    /// <summary>Follows or unfollows; 404 for an unknown user, 400 for oneself.</summary>
    public async Task SetAsync(long userId, long targetUserId, bool follow, CancellationToken cancellationToken)
    {
        if (targetUserId == userId)
        {
            throw ApiException.BadRequest("target: a reader cannot follow themselves.");
        }

        await using var command = database.CreateCommand(follow
            ? """
              INSERT INTO user_relation (user_id, target_user_id, relation)
              SELECT @u, user_id, 1 FROM user_basic WHERE user_id = @t
              ON DUPLICATE KEY UPDATE relation = 1
              """
            : "UPDATE user_relation SET relation = 0 WHERE user_id = @u AND target_user_id = @t");
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@t", targetUserId));
        // Inserting from user_basic writes nothing for an unknown user; an existing relation reports 1 or more.
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0 && follow)
        {
            throw ApiException.NotFound("User not found.");
        }
    }
}

public static class FollowingEndpoints
{
    public sealed record FollowTarget(long Target);

    public sealed record FollowRequest(System.Text.Json.JsonElement? Target);

    public static IEndpointRouteBuilder MapFollowingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1_0/user/followings", async (FollowRequest? body, HttpContext http, FeedUserResolver users, Followings followings, CancellationToken cancellationToken) =>
        {
            var userId = await users.RequireSignedInAsync(http);
            var target = RequestParameters.RequiredInt64(body?.Target is { ValueKind: System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.String } value ? value.ToString() : null,
                "target", 1, long.MaxValue);
            await followings.SetAsync(userId, target, follow: true, cancellationToken);
            return TypedResults.Created((string?)null, ApiEnvelope.Ok(new FollowTarget(target)));
        });
        app.MapDelete("/v1_0/user/followings/{target}", async (string target, HttpContext http, FeedUserResolver users, Followings followings, CancellationToken cancellationToken) =>
        {
            var userId = await users.RequireSignedInAsync(http);
            await followings.SetAsync(userId, RequestParameters.RequiredInt64(target, "target", 1, long.MaxValue), follow: false, cancellationToken);
            return TypedResults.NoContent();
        });
        return app;
    }
}
