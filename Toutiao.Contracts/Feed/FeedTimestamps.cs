namespace Toutiao.Contracts.Feed;

/// <summary>The rule both Web and Reco apply to a feed request's timestamp (Unix milliseconds).</summary>
public static class FeedTimestamps
{
    /// <summary>How far a client clock may run ahead of the server's.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether <paramref name="timestamp"/> is further ahead of <paramref name="now"/> than a client
    /// clock may run: a page recorded in the future would keep that reader's refreshes in history mode.
    /// </summary>
    public static bool IsAheadOfClock(long timestamp, DateTimeOffset now)
        => timestamp > now.Add(MaxClockSkew).ToUnixTimeMilliseconds();

    /// <summary>The sentence a client gets for such a timestamp, naming its own parameter.</summary>
    public static string AheadOfClockMessage(string parameter)
        => $"{parameter} is more than {MaxClockSkew.TotalMinutes:0} minutes ahead of the server clock.";
}
