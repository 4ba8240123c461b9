namespace Toutiao.Simulator.Catalogue;

/// <summary>What a client can know of an article from the channel lists: its channel, author and title.</summary>
public sealed record CatalogueArticle(long Id, int ChannelId, long AuthorId, string Title = "")
{
    /// <summary>The title's words as a reader sees them: separated by spaces, without numbers ("第12篇").</summary>
    public IEnumerable<string> TitleWords => Title.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(w => !w.Any(char.IsDigit));
}
