namespace Toutiao.Web.Auth;

/// <summary>
/// A signed-in reader: an endpoint that needs one declares this parameter, and a request without a
/// valid access token gets its 401 before the body is read (<see cref="Http.RequestGate"/> looks for it).
/// </summary>
public sealed record SignedInReader(long UserId)
{
    public static async ValueTask<SignedInReader?> BindAsync(HttpContext context)
        => new(await ReaderResolver.RequireSignedInAsync(context));
}
