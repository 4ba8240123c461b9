namespace Toutiao.Web.Auth;

/// <summary>
/// Who reads the feed. <see cref="RecoUserId"/> is what Reco keys history by: the user id, an
/// "anony:" id for a remembered anonymous reader, or "" for one who is not remembered.
/// </summary>
/// <remarks>
/// An endpoint takes it as a parameter (bound with <c>BindAsync</c>). Minimal APIs read a JSON
/// body before they bind the other parameters: endpoints that need sign-in take a
/// <see cref="SignedInReader"/>, which the request gate checks before any body is read.
/// </remarks>
public sealed record Reader(string RecoUserId, long? UserId)
{
    public static readonly Reader Anonymous = new("", null);

    public static async ValueTask<Reader?> BindAsync(HttpContext context)
        => await ReaderResolver.ResolveAsync(context);
}
