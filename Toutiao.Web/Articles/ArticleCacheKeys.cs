using System.Globalization;

namespace Toutiao.Web.Articles;

/// <summary>The Redis keys of the article cache, as the original system named them.</summary>
/// <remarks>
/// A per-id key is its prefix, the id and its suffix: the page script is given those parts, not
/// key names of its own, and builds the keys of ids it learns only inside Redis.
/// </remarks>
public static class ArticleCacheKeys
{
    /// <summary>Cached for an id that does not exist, so repeated misses do not reach MySQL.</summary>
    public const string NotFoundMarker = "-1";

    /// <summary>Set once a Web gave an empty cache each channel's popular cards; gone with the cache server's data (or evicted), so the next warm-up gives them again.</summary>
    public const string PopularCardsWarmed = "art:popular:warmed";

    public const string InfoPrefix = "art:";
    public const string InfoSuffix = ":info";
    public const string ProfilePrefix = "user:";
    public const string ProfileSuffix = ":profile";

    public static string Info(long articleId) => $"{InfoPrefix}{articleId}{InfoSuffix}";

    public static string Profile(long userId) => $"{ProfilePrefix}{userId}{ProfileSuffix}";

    /// <summary>The user id of a <see cref="Profile"/> key.</summary>
    public static long ProfileOwner(string profileKey)
        => long.Parse(profileKey.AsSpan(ProfilePrefix.Length, profileKey.Length - ProfilePrefix.Length - ProfileSuffix.Length), CultureInfo.InvariantCulture);

    /// <summary>Sorted set of a channel's pinned articles; the highest score comes first.</summary>
    public static string Top(int channelId) => $"ch:{channelId}:art:top";
}
