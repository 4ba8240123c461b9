namespace Toutiao.Web.Auth;

/// <summary>
/// Who reads the feed. <see cref="RecoUserId"/> is what Reco keys history by: the user id, an
/// "anony:" id for a remembered anonymous reader, or "" for one who is not remembered.
/// </summary>
/// <remarks>
/// An endpoint takes it as a parameter: minimal APIs bind parameters with <c>BindAsync</c> before
/// they read the body, so a bad Authorization header is answered before any body is parsed.
/// </remarks>
public sealed record Reader(string RecoUserId, long? UserId)
{
    public static readonly Reader Anonymous = new("", null);

    public static async ValueTask<Reader?> BindAsync(HttpContext context)
        => await ReaderResolver.ResolveAsync(context);
}
