namespace Toutiao.Web.Search;

/// <summary>Settings of search; section <c>Search</c>.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>How often articles published or changed since the last look are indexed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Off, nothing is indexed (the first build costs some seconds of CPU) and searches are a 503.</summary>
    public bool Enabled { get; set; } = true;
}
