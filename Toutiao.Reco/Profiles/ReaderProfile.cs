namespace Toutiao.Reco.Profiles;

/// <summary>
/// What a reader has shown interest in: a decayed weight per channel, author and keyword, from what
/// they clicked, read, liked, collected, shared and commented, and whom they follow (see
/// <see cref="ProfileSignals"/>). Empty for a reader who did nothing yet; without channel weights
/// (only follows so far) it does not yet make a profiled page.
/// </summary>
public sealed record ReaderProfile(IReadOnlyDictionary<int, double> ChannelWeights)
{
    public static readonly ReaderProfile Empty = new(new Dictionary<int, double>());

    public bool IsEmpty => ChannelWeights.Count == 0;

    /// <summary>A decayed weight per keyword of the articles the reader took up; empty without any.</summary>
    public IReadOnlyDictionary<string, double> KeywordWeights { get; init; } = new Dictionary<string, double>();

    /// <summary>A decayed weight per author (user id) the reader took up articles of; empty without any.</summary>
    public IReadOnlyDictionary<long, double> AuthorWeights { get; init; } = new Dictionary<long, double>();

    /// <summary>The articles the reader clicked or read last, newest first (item-to-item recall).</summary>
    public IReadOnlyList<long> RecentReads { get; init; } = [];
}
