namespace Toutiao.Contracts.Feed;

/// <summary>Channel 0, "推荐": every reader has it, and it recalls from every channel.</summary>
public static class RecommendedChannel
{
    public const int Id = 0;
    public const string Name = "推荐";
}
