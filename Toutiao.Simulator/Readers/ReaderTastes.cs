using Toutiao.Simulator.Catalogue;
using Toutiao.Simulator.Runs;

namespace Toutiao.Simulator.Readers;

/// <summary>
/// A reader's hidden taste: the channels, authors and topic words (of titles) they like. Only the
/// simulator sees it; Web and Reco learn of it only through the clicks and reads it causes.
/// </summary>
public sealed record ReaderTastes(IReadOnlySet<int> LikedChannels, IReadOnlySet<long> LikedAuthors)
{
    /// <summary>Words whose articles the reader clicks whatever their channel; none by default.</summary>
    public IReadOnlySet<string> LikedWords { get; init; } = new HashSet<string>();

    /// <summary>
    /// <see cref="SimulationOptions.LikedChannels"/> channels, up to <see cref="SimulationOptions.MaxLikedAuthors"/>
    /// authors and up to <see cref="SimulationOptions.MaxLikedWords"/> words, drawn uniformly.
    /// </summary>
    public static ReaderTastes Draw(Random random, IReadOnlyList<int> channels, IReadOnlyList<long> authors, SimulationOptions options,
        IReadOnlyList<string>? words = null)
    {
        var liked = channels.OrderBy(_ => random.Next()).Take(options.LikedChannels).ToHashSet();
        var authorCount = authors.Count == 0 ? 0 : random.Next(options.MaxLikedAuthors + 1);
        var likedAuthors = Enumerable.Range(0, authorCount).Select(_ => authors[random.Next(authors.Count)]).ToHashSet();
        words ??= [];
        var wordCount = words.Count == 0 ? 0 : random.Next(options.MaxLikedWords + 1);
        var likedWords = Enumerable.Range(0, wordCount).Select(_ => words[random.Next(words.Count)]).ToHashSet(StringComparer.Ordinal);
        return new ReaderTastes(liked, likedAuthors) { LikedWords = likedWords };
    }

    public bool Likes(CatalogueArticle? article) => article is not null && LikedChannels.Contains(article.ChannelId);

    /// <summary>
    /// The chance to click the article once examined, before fatigue: high for a liked channel, low
    /// otherwise, at least <see cref="SimulationOptions.LikedAuthorClick"/> for a liked author and
    /// <see cref="SimulationOptions.LikedWordClick"/> for a title with a liked word. An article the
    /// catalogue does not know is "other".
    /// </summary>
    public double ClickProbability(CatalogueArticle? article, SimulationOptions options)
    {
        var p = Likes(article) ? options.LikedClick : options.OtherClick;
        if (article is null)
        {
            return p;
        }

        p = LikedAuthors.Contains(article.AuthorId) ? Math.Max(p, options.LikedAuthorClick) : p;
        return LikedWords.Count > 0 && article.TitleWords.Any(LikedWords.Contains) ? Math.Max(p, options.LikedWordClick) : p;
    }
}
