namespace Toutiao.Web.Reactions;

/// <summary>What a signed-in reader can do to an article and take back.</summary>
public enum Reaction
{
    Like,
    Dislike,
    Collect,
}
