using Microsoft.Extensions.Caching.Memory;

namespace Toutiao.Reco.History;

/// <summary>
/// How far down a channel's ranking a reader who has read deep has got, per process: that reader's
/// next fresh page offers the history script the candidates from there, so a long history does not
/// make every page re-check the thousands of candidates already served. Only a hint: what it skips
/// is passed over, never served twice (the script checks what it is offered), and it does not
/// outlive the ranking it was taken on (a rebuild ranks anew). Bounded: only readers past the first
/// window are kept, at most <see cref="MaxReaders"/>, each for an hour after its last page.
/// </summary>
public sealed class ReadingPositions : IDisposable
{
    public const int MaxReaders = 50_000;

    private readonly MemoryCache _positions = new(new MemoryCacheOptions { SizeLimit = MaxReaders });

    /// <summary>Where to start in <paramref name="ranking"/> for this reader: 0 unless a position on this very ranking is known.</summary>
    public int Get(string userId, int channelId, long[] ranking)
        => _positions.TryGetValue((userId, channelId), out Position? position) && ReferenceEquals(position!.Ranking, ranking)
            ? Math.Min(position.Index, ranking.Length)
            : 0;

    public void Set(string userId, int channelId, long[] ranking, int index)
        => _positions.Set((userId, channelId), new Position(ranking, index),
            new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromHours(1) });

    public void Dispose() => _positions.Dispose();

    private sealed record Position(long[] Ranking, int Index);
}
