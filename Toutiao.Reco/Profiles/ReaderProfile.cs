namespace Toutiao.Reco.Profiles;

/// <summary>
/// What a reader has shown interest in: a decayed weight per channel, from what they clicked, read,
/// collected and shared (see <see cref="ProfileSignals"/>). Empty for a reader who did nothing yet.
/// </summary>
public sealed record ReaderProfile(IReadOnlyDictionary<int, double> ChannelWeights)
{
    public static readonly ReaderProfile Empty = new(new Dictionary<int, double>());

    public bool IsEmpty => ChannelWeights.Count == 0;

    /// <summary>The articles the reader clicked or read last, newest first (item-to-item recall).</summary>
    public IReadOnlyList<long> RecentReads { get; init; } = [];
}
