namespace Toutiao.Reco.Profiles;

/// <summary>
/// What a reader has shown interest in: a decayed weight per channel and per author, from what they clicked, read,
/// collected and shared (see <see cref="ProfileSignals"/>). Empty for a reader who did nothing yet.
/// </summary>
public sealed record ReaderProfile(IReadOnlyDictionary<int, double> ChannelWeights)
{
    public static readonly ReaderProfile Empty = new(new Dictionary<int, double>());

    public bool IsEmpty => ChannelWeights.Count == 0;

    /// <summary>A decayed weight per author (user id) the reader took up articles of; empty without any.</summary>
    public IReadOnlyDictionary<long, double> AuthorWeights { get; init; } = new Dictionary<long, double>();

    /// <summary>The articles the reader clicked or read last, newest first (item-to-item recall).</summary>
    public IReadOnlyList<long> RecentReads { get; init; } = [];
}
