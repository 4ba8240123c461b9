namespace Toutiao.Simulator.Readers;

/// <summary>What a reader did with the article at <paramref name="Position"/> of a page: clicked it, read it for some seconds, perhaps collected it.</summary>
public sealed record PageReaction(int Position, int ReadSeconds, bool Collected);
