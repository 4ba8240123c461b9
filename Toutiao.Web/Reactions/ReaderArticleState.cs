namespace Toutiao.Web.Reactions;

/// <summary>A signed-in reader's relation to an article, as the detail page shows it.</summary>
public sealed record ReaderArticleState(int Attitude, bool IsCollected, bool IsFollowed)
{
    public static readonly ReaderArticleState None = new(-1, false, false);
}
