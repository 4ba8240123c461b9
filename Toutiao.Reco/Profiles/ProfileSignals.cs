namespace Toutiao.Reco.Profiles;

/// <summary>
/// How much one action says about a reader's interest in the article's channel, author and
/// keywords. A click is the unit; a read says more the longer it lasted (up to five minutes); a
/// like a little more than a read; keeping, passing on or commenting on an article says most; a
/// dislike takes some interest away. Following an author weighs only that author, strongly;
/// unfollowing takes them out of the profile. Exposures say nothing here.
/// </summary>
public static class ProfileSignals
{
    public const double Click = 1;
    public const double Read = 2;
    public const double ReadPerMinute = 1;
    public const int ReadSecondsCounted = 300;
    public const double Like = 2.5;
    public const double Collect = 3;
    public const double Share = 3;
    public const double Comment = 3;
    public const double Dislike = -2;
    public const double Follow = 10;

    /// <summary>Large enough to take any author's weight below zero, which drops them.</summary>
    public const double Unfollow = -1e6;

    public static double Weight(string action, int? readTimeSeconds) => action switch
    {
        "click" => Click,
        "read" => Read + (ReadPerMinute * Math.Clamp(readTimeSeconds ?? 0, 0, ReadSecondsCounted) / 60),
        "like" => Like,
        "collect" => Collect,
        "share" => Share,
        "comment" => Comment,
        "dislike" => Dislike,
        "follow" => Follow,
        "unfollow" => Unfollow,
        _ => 0,
    };

    /// <summary>Whether the action is about an author rather than an article (its entry names the author).</summary>
    public static bool IsAboutAuthor(string action) => action is "follow" or "unfollow";
}
