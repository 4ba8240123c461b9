using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Toutiao.Web.Http;

namespace Toutiao.Web.Auth;

public static partial class AuthEndpoints
{
    public sealed record LoginRequest(string? Mobile, string? Code);

    public sealed record Tokens(string Token, string? RefreshToken);

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1_0/authorizations", LoginAsync).WithSharedLimit(SharedLimit.SignIn);
        app.MapPut("/v1_0/authorizations", RefreshAsync).WithSharedLimit(SharedLimit.SignIn);
        app.MapDelete("/v1_0/authorizations", SignOutAsync).WithSharedLimit(SharedLimit.Writes);
        app.MapGet("/v1_0/sms/codes/{mobile}", SendCodeAsync).WithSharedLimit(SharedLimit.SignIn);
        return app;
    }

    public sealed record CodeSent(string Mobile);

    /// <summary>Sends a login code by SMS, as the app asks for one; 503 where no SMS gateway is plugged in.</summary>
    private static async Task<Ok<ApiEnvelope<CodeSent>>> SendCodeAsync(
        string mobile, SmsCodeStore codes, IServiceProvider services, CancellationToken cancellationToken)
    {
        var number = RequireMobile(mobile);
        var sender = services.GetService<ISmsSender>()
                     ?? throw new ApiException(StatusCodes.Status503ServiceUnavailable, "No SMS gateway is configured: codes cannot be sent.");
        await sender.SendCodeAsync(number, await codes.IssueAsync(number), cancellationToken);
        return TypedResults.Ok(ApiEnvelope.Ok(new CodeSent(number)));
    }

    /// <summary>Signs in (and on first use signs up) with a mobile number and its SMS code.</summary>
    private static async Task<Created<ApiEnvelope<Tokens>>> LoginAsync(
        LoginRequest? body, SmsCodeStore codes, UserAccounts accounts, TokenService tokens, SessionFamilies sessions, CancellationToken cancellationToken)
    {
        var mobile = RequireMobile(body?.Mobile);
        var code = body?.Code?.Trim() ?? "";
        if (!SmsCode().IsMatch(code))
        {
            throw ApiException.BadRequest("code must be 6 digits.");
        }

        var (check, lockedFor) = await codes.CheckAsync(mobile, code);
        switch (check)
        {
            case CodeCheck.Wrong:
                throw ApiException.BadRequest("Mobile or code is wrong.");
            case CodeCheck.Locked:
                throw new ApiException(StatusCodes.Status429TooManyRequests,
                    $"Too many wrong codes ({SmsCodeStore.MaxWrongTries}) for this number: try again in {Math.Max(1, (int)Math.Ceiling(lockedFor.TotalMinutes))} min.")
                { RetryAfter = lockedFor };
        }

        var account = await accounts.FindOrCreateAsync(mobile, cancellationToken);
        if (!account.Enabled)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "User is disabled.");
        }

        var (family, refreshTokenId) = await sessions.StartAsync();
        var (token, refreshToken) = tokens.Issue(account.UserId, family, refreshTokenId);
        return TypedResults.Created((string?)null, ApiEnvelope.Ok(new Tokens(token, refreshToken)));
    }

    /// <summary>
    /// Trades a refresh token (in the Authorization header) for a new access token and a new refresh
    /// token; the one presented is replaced (<see cref="SessionFamilies"/>: presenting a replaced one
    /// again signs the whole sign-in out).
    /// </summary>
    private static async Task<Ok<ApiEnvelope<Tokens>>> RefreshAsync(
        HttpContext http, TokenService tokens, UserAccounts accounts, SessionFamilies sessions, CancellationToken cancellationToken)
    {
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (!result.Succeeded || TokenService.UserId(result.Principal) is not { } userId)
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, ReaderResolver.InvalidTokenMessage);
        }

        if (!TokenService.IsRefresh(result.Principal))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "A refresh token is required.");
        }

        // A refresh token outlives a ban: ask the database, not the token, whether the user may go on.
        if (!await accounts.IsEnabledAsync(userId, cancellationToken))
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "User is disabled.");
        }

        if (TokenService.Family(result.Principal) is not { } family || TokenService.TokenId(result.Principal) is not { } tokenId)
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "This refresh token belongs to no sign-in: sign in again.");
        }

        var (check, issued) = await sessions.RefreshAsync(family, tokenId);
        return check switch
        {
            RefreshCheck.Rotated or RefreshCheck.Kept => TypedResults.Ok(ApiEnvelope.Ok(new Tokens(
                tokens.Create(userId, refresh: false, family), tokens.Create(userId, refresh: true, family, issued)))),
            RefreshCheck.Reused => throw new ApiException(StatusCodes.Status401Unauthorized,
                "This refresh token was replaced and used again: every token of this sign-in is signed out."),
            _ => throw new ApiException(StatusCodes.Status401Unauthorized, "Signed out: sign in again."),
        };
    }

    /// <summary>Signs out the sign-in of the access token: its refresh tokens at once, its access tokens within <see cref="JwtOptions.SessionCheckInterval"/>.</summary>
    private static async Task<NoContent> SignOutAsync(SignedInReader reader, HttpContext http, SessionFamilies sessions)
    {
        var result = await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        if (result.Principal is { } principal && TokenService.Family(principal) is { } family)
        {
            await sessions.RevokeAsync(family);
        }

        return TypedResults.NoContent();
    }

    internal static string RequireMobile(string? mobile)
    {
        var value = mobile?.Trim() ?? "";
        return MobileNumber().IsMatch(value) ? value : throw ApiException.BadRequest("mobile must be an 11-digit mobile number.");
    }

    [GeneratedRegex("^1[3-9][0-9]{9}$")]
    private static partial Regex MobileNumber();

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex SmsCode();
}
