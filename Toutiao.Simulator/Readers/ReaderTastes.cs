using Toutiao.Simulator.Catalogue;
using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Readers;

/// <summary>
/// A reader's hidden taste: the channels and authors they like. Only the simulator sees it; Web and
/// Reco learn of it only through the clicks and reads it causes.
/// </summary>
public sealed record ReaderTastes(IReadOnlySet<int> LikedChannels, IReadOnlySet<long> LikedAuthors)
{
    /// <summary><see cref="SimulationOptions.LikedChannels"/> channels and up to <see cref="SimulationOptions.MaxLikedAuthors"/> authors, drawn uniformly.</summary>
    public static ReaderTastes Draw(Random random, IReadOnlyList<int> channels, IReadOnlyList<long> authors, SimulationOptions options)
    {
        var liked = channels.OrderBy(_ => random.Next()).Take(options.LikedChannels).ToHashSet();
        var authorCount = authors.Count == 0 ? 0 : random.Next(options.MaxLikedAuthors + 1);
        var likedAuthors = Enumerable.Range(0, authorCount).Select(_ => authors[random.Next(authors.Count)]).ToHashSet();
        return new ReaderTastes(liked, likedAuthors);
    }

    public bool Likes(CatalogueArticle? article) => article is not null && LikedChannels.Contains(article.ChannelId);

    /// <summary>
    /// The chance to click the article once examined, before fatigue: high for a liked channel, low
    /// otherwise, and at least <see cref="SimulationOptions.LikedAuthorClick"/> for a liked author. An
    /// article the catalogue does not know is "other".
    /// </summary>
    public double ClickProbability(CatalogueArticle? article, SimulationOptions options)
    {
        var p = Likes(article) ? options.LikedClick : options.OtherClick;
        return article is not null && LikedAuthors.Contains(article.AuthorId) ? Math.Max(p, options.LikedAuthorClick) : p;
    }
}
