namespace Toutiao.Web.Search;

/// <summary>Settings of search; section <c>Search</c>.</summary>
public sealed class SearchOptions
{
    public const string SectionName = "Search";

    /// <summary>How often articles published or changed since the last look are indexed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Where the index is kept on disk (a folder per process under it, removed when the process
    /// stops, and a dead process' left over is removed by the next start): the catalogue's text
    /// then lives in files the OS pages in, not in Web's heap. Unset: in memory (tests, a small catalogue).
    /// </summary>
    public string? IndexDirectory { get; set; }

    /// <summary>Off, nothing is indexed (the first build costs some seconds of CPU) and searches are a 503.</summary>
    public bool Enabled { get; set; } = true;
}
