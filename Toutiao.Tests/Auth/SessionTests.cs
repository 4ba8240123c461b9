using System.Net;
using Microsoft.IdentityModel.JsonWebTokens;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Auth;

/// <summary>
/// Sessions end when they should: a disabled user's access token and a signed-out sign-in's stop at
/// the guard's next check; refresh tokens rotate, and a replaced one used again signs the sign-in out.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class SessionTests(ToutiaoFixture fixture)
{
    private HttpClient Web => fixture.WebClient;

    [Fact]
    public async Task A_disabled_users_access_token_stops_working_at_the_next_check()
    {
        var (mobile, access, _) = await SignInAsync();
        Assert.Equal(HttpStatusCode.OK, (await Web.SendAsync(HttpMethod.Get, "/v1_0/user", access)).Status);

        await using (var disable = fixture.MySql.CreateCommand("UPDATE user_basic SET status = 0 WHERE mobile = @mobile"))
        {
            disable.Parameters.Add(new MySqlParameter("@mobile", mobile));
            Assert.Equal(1, await disable.ExecuteNonQueryAsync());
        }

        await fixture.WebService<SessionGuard>().NextCheckAsync();
        var refused = await Web.SendAsync(HttpMethod.Get, "/v1_0/user", access);
        Assert.Equal((HttpStatusCode.Unauthorized, "User is disabled."), (refused.Status, refused.Message));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Web.FeedAsync(1, Api.Now(), access)).Status);
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_replaced_one_used_again_signs_the_sign_in_out()
    {
        var (_, _, first) = await SignInAsync();

        var second = await RefreshAsync(first);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        Assert.NotEqual(TokenId(first), TokenId(Refresh(second)));
        // The course's app keeps its first refresh token: until the new one is used, the first still works and hands out the new one.
        var again = await RefreshAsync(first);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(TokenId(Refresh(second)), TokenId(Refresh(again)));

        var third = await RefreshAsync(Refresh(second));
        Assert.Equal(HttpStatusCode.OK, third.Status);
        var access = Api.Bearer(third.Data.GetProperty("token").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await Web.SendAsync(HttpMethod.Get, "/v1_0/user", access)).Status);

        // The first token once more, now that it was replaced twice: somebody kept a copy.
        var reused = await RefreshAsync(first);
        Assert.Equal((HttpStatusCode.Unauthorized, "This refresh token was replaced and used again: every token of this sign-in is signed out."),
            (reused.Status, reused.Message));
        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(Refresh(third))).Status);
        await fixture.WebService<SessionGuard>().NextCheckAsync();
        var signedOut = await Web.SendAsync(HttpMethod.Get, "/v1_0/user", access);
        Assert.Equal((HttpStatusCode.Unauthorized, "Signed out: sign in again."), (signedOut.Status, signedOut.Message));
    }

    [Fact]
    public async Task Signing_out_ends_the_refresh_token_at_once_and_the_access_token_at_the_next_check()
    {
        var (mobile, access, refresh) = await SignInAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await Web.SendAsync(HttpMethod.Delete, "/v1_0/authorizations", access)).Status);

        Assert.Equal(HttpStatusCode.Unauthorized, (await RefreshAsync(refresh)).Status);
        await fixture.WebService<SessionGuard>().NextCheckAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await Web.SendAsync(HttpMethod.Get, "/v1_0/user", access)).Status);

        // Signing in again is a new sign-in; signing out needs one.
        var (_, newAccess, _) = await SignInAsync(mobile);
        Assert.Equal(HttpStatusCode.OK, (await Web.SendAsync(HttpMethod.Get, "/v1_0/user", newAccess)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Web.SendAsync(HttpMethod.Delete, "/v1_0/authorizations")).Status);
    }

    private async Task<(string Mobile, string Access, string Refresh)> SignInAsync(string? mobile = null)
    {
        mobile ??= "133" + Random.Shared.Next(10_000_000, 99_999_999);
        var login = await Web.SignInWithCodeAsync(mobile);
        return (mobile, Api.Bearer(login.Data.GetProperty("token").GetString()!), login.Data.GetProperty("refresh_token").GetString()!);
    }

    private Task<ApiResponse> RefreshAsync(string refreshToken) => Web.SendAsync(HttpMethod.Put, "/v1_0/authorizations", Api.Bearer(refreshToken));

    private static string Refresh(ApiResponse answer) => answer.Data.GetProperty("refresh_token").GetString()!;

    private static string TokenId(string token) => new JsonWebToken(token).Id;
}

[Collection(ClusterCollection.Name)]
public sealed class SessionOnClusterTests(ClusterToutiaoFixture fixture) : SessionTests(fixture);
