namespace Toutiao.Contracts.Readers;

/// <summary>
/// How Web names a reader without an account to Reco: the app's <c>Anony &lt;id&gt;</c> credential
/// becomes the user id <c>anony:&lt;id&gt;</c>. Any client can invent such ids, so Reco keeps their
/// state apart (the cache server, shorter retention).
/// </summary>
public static class AnonymousReaders
{
    public const string Prefix = "anony:";

    public static string UserId(string credential) => Prefix + credential;

    public static bool IsAnonymous(string userId) => userId.StartsWith(Prefix, StringComparison.Ordinal);
}
