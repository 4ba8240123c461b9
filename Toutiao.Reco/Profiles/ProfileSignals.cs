namespace Toutiao.Reco.Profiles;

/// <summary>
/// How much one action says about a reader's interest in the article's channel. A click is the
/// unit; a read says more the longer it lasted (up to five minutes); keeping or passing an article
/// on says most; a dislike takes some interest away. Exposures say nothing here.
/// </summary>
public static class ProfileSignals
{
    public const double Click = 1;
    public const double Read = 2;
    public const double ReadPerMinute = 1;
    public const int ReadSecondsCounted = 300;
    public const double Collect = 3;
    public const double Share = 3;
    public const double Dislike = -2;

    public static double Weight(string action, int? readTimeSeconds) => action switch
    {
        "click" => Click,
        "read" => Read + (ReadPerMinute * Math.Clamp(readTimeSeconds ?? 0, 0, ReadSecondsCounted) / 60),
        "collect" => Collect,
        "share" => Share,
        "dislike" => Dislike,
        _ => 0,
    };
}
