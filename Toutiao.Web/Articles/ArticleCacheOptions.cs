namespace Toutiao.Web.Articles;

public sealed class ArticleCacheOptions
{
    public const string SectionName = "ArticleCache";

    /// <summary>How often pinned articles are reloaded from MySQL (and missing counters restored).</summary>
    public TimeSpan WarmInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many page reads may go to MySQL at once while Redis is down; the rest are a fast 503.</summary>
    public int UncachedReadLimit { get; set; } = 16;

    /// <summary>
    /// How long a Web process keeps the infos, authors and pinned ids it read in its own memory
    /// (<see cref="LocalCardCache"/>); zero keeps nothing there. It bounds how late an edited pin
    /// shows. The live counters are kept as long, but dropped at every change (<see cref="ArticleCounterChanges"/>).
    /// </summary>
    public TimeSpan LocalTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many infos, authors and pinned lists a Web process keeps at most (about 1 KB each).</summary>
    public long LocalEntries { get; set; } = 100_000;
}
