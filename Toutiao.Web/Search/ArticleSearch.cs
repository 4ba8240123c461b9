using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Cn.Smart;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Web.Http;

namespace Toutiao.Web.Search;

/// <summary>
/// Full-text search over approved articles' titles and content with Lucene.Net and its SmartCn
/// analyzer (Chinese word segmentation), on disk (<see cref="SearchOptions.IndexDirectory"/>) or in
/// memory: built from MySQL when Web starts, then kept
/// current by indexing what changed (<c>news_article_basic.update_time</c>) every
/// <see cref="SearchOptions.RefreshInterval"/>; an article no longer approved leaves the index.
/// Titles weigh three times as much as content.
/// </summary>
public sealed partial class ArticleSearch(MySqlDataSource database, IOptions<SearchOptions> options, ILogger<ArticleSearch> logger, IMeterFactory meterFactory)
    : BackgroundService, IDisposable
{
    public const string MeterName = "Toutiao.Web.Search";

    private readonly Histogram<long> _indexed = meterFactory.Create(MeterName)
        .CreateHistogram<long>("toutiao.search.indexed", "{article}", "Articles indexed or removed per look at MySQL, by look (build, refresh).");
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private readonly Analyzer _analyzer = new SmartChineseAnalyzer(Version);
    private readonly SearchIndexFolder? _folder = options.Value.IndexDirectory is { Length: > 0 } root ? SearchIndexFolder.Claim(root) : null;
    private Lucene.Net.Store.Directory? _directory;
    private IndexWriter? _writer;
    private SearcherManager? _searchers;
    private DateTime _indexedUpTo = DateTime.MinValue;

    // Articles indexed with an update_time still within the look-back, and that time: the next looks
    // read them again and pass over those unchanged (the seed stamps 50,000 with one second).
    private readonly Dictionary<long, (DateTime Changed, int Text)> _lagging = [];

    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the first build has finished (never, with search switched off); until then searches are a 503.</summary>
    public Task Built => _built.Task;

    /// <summary>Approved articles matching <paramref name="query"/>, best first, and how many match.</summary>
    public (int Total, IReadOnlyList<long> Ids) Search(string query, int page, int perPage)
    {
        var searchers = Searchers();
        var terms = Terms(_analyzer, query);
        if (terms.Count == 0)
        {
            return (0, []);
        }

        var match = new BooleanQuery();
        foreach (var term in terms)
        {
            match.Add(new TermQuery(new Term("title", term)) { Boost = 3 }, Occur.SHOULD);
            match.Add(new TermQuery(new Term("content", term)), Occur.SHOULD);
        }

        var searcher = searchers.Acquire();
        try
        {
            var top = searcher.Search(match, page * perPage);
            var ids = top.ScoreDocs.Skip((page - 1) * perPage)
                .Select(hit => long.Parse(searcher.Doc(hit.Doc).Get("id"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
            return (top.TotalHits, ids);
        }
        finally
        {
            searchers.Release(searcher);
        }
    }

    /// <summary>Titles for a search box: those that complete what was typed so far, best first.</summary>
    public IReadOnlyList<string> Suggest(string query, int count)
    {
        var searchers = Searchers();
        var terms = Terms(_analyzer, query);
        if (terms.Count == 0)
        {
            return [];
        }

        var searcher = searchers.Acquire();
        try
        {
            return searcher.Search(SuggestionQuery(terms), count).ScoreDocs.Select(hit => searcher.Doc(hit.Doc).Get("title")).Distinct().ToList();
        }
        finally
        {
            searchers.Release(searcher);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        _directory = _folder is null ? new RAMDirectory() : FSDirectory.Open(_folder.Path);
        // Always built afresh from MySQL: what a folder may hold is not trusted.
        _writer = new IndexWriter(_directory, new IndexWriterConfig(Version, _analyzer) { OpenMode = OpenMode.CREATE });
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var stopwatch = Stopwatch.StartNew();
                var indexed = await IndexChangesAsync(stoppingToken);
                _indexed.Record(indexed, new KeyValuePair<string, object?>("look", _searchers is null ? "build" : "refresh"));
                if (_searchers is null)
                {
                    _searchers = new SearcherManager(_writer, applyAllDeletes: true, searcherFactory: null);
                    LogBuilt(indexed, stopwatch.ElapsedMilliseconds);
                    _built.TrySetResult();
                }
                else if (indexed > 0)
                {
                    _searchers.MaybeRefresh();
                }

                await Task.Delay(options.Value.RefreshInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // MySQL away: the index as it is serves; the next look catches up.
                LogIndexFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// How far behind the database's clock the look-back starts: a change committed later than this
    /// after its <c>update_time</c> (a long transaction) could be missed.
    /// </summary>
    private static readonly TimeSpan CommitLag = TimeSpan.FromSeconds(30);

    /// <summary>Indexes every article changed since the last look (all of them the first time), in one streamed query.</summary>
    private async Task<int> IndexChangesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        // update_time has whole seconds and a row is visible only once committed: rows stamped just
        // before the newest seen may still arrive, so the next look starts at the newest seen or at
        // the database's now minus CommitLag, whichever is earlier. Never at a second already
        // read in full: the demo data stamps all 50,000 articles with one update_time, and looking
        // at that second again would re-index all of them every time. Within the look-back, what was
        // indexed unchanged is passed over (_lagging).
        await using var clock = new MySqlCommand("SELECT NOW()", connection);
        var settled = Convert.ToDateTime(await clock.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) - CommitLag;

        await using var command = new MySqlCommand("""
            SELECT a.article_id, a.title, COALESCE(c.content, ''), a.status = 2, a.update_time
            FROM news_article_basic a LEFT JOIN news_article_content c ON c.article_id = a.article_id
            WHERE a.update_time > @since
            """, connection);
        command.Parameters.Add(new MySqlParameter("@since", _indexedUpTo));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var count = 0;
        var newest = _indexedUpTo;
        while (await reader.ReadAsync(cancellationToken))
        {
            var articleId = reader.GetInt64(0);
            var changed = reader.GetDateTime(4);
            newest = changed > newest ? changed : newest;
            // Two changes within one second share an update_time: the text tells them apart.
            var version = (changed, HashCode.Combine(reader.GetString(1), reader.GetString(2), reader.GetValue(3)));
            if (_lagging.TryGetValue(articleId, out var indexed) && indexed == version)
            {
                // Read again only because it is within the look-back: indexed as it is.
                continue;
            }

            if (changed > settled)
            {
                _lagging[articleId] = version;
            }

            var id = articleId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (Convert.ToInt64(reader.GetValue(3)) == 1)
            {
                _writer!.UpdateDocument(new Term("id", id),
                [
                    new StringField("id", id, Field.Store.YES),
                    new TextField("title", reader.GetString(1), Field.Store.YES),
                    new TextField("content", Markup().Replace(reader.GetString(2), " "), Field.Store.NO),
                ]);
            }
            else
            {
                _writer!.DeleteDocuments(new Term("id", id));
            }

            count++;
        }

        if (count > 0)
        {
            _writer!.Commit();
        }

        // Indexing is idempotent: what the look-back reads again is only re-indexed.
        _indexedUpTo = newest < settled ? newest : (settled > _indexedUpTo ? settled : _indexedUpTo);
        foreach (var (articleId, indexed) in _lagging)
        {
            if (indexed.Changed <= _indexedUpTo)
            {
                _lagging.Remove(articleId);
            }
        }

        return count;
    }

    /// <summary>
    /// Every typed word in the title, the last one possibly unfinished ("深" finds 深入, "htm" finds
    /// html); a title with the last word whole ranks first.
    /// </summary>
    public static Query SuggestionQuery(IReadOnlyList<string> terms)
    {
        var match = new BooleanQuery();
        foreach (var term in terms.Take(terms.Count - 1))
        {
            match.Add(new TermQuery(new Term("title", term)), Occur.MUST);
        }

        var last = new Term("title", terms[^1]);
        match.Add(new PrefixQuery(last), Occur.MUST);
        match.Add(new TermQuery(last) { Boost = 2 }, Occur.SHOULD);
        return match;
    }

    /// <summary>The words of <paramref name="text"/> as the index holds them (SmartCn: segmented, lower case, stemmed).</summary>
    public static List<string> Terms(Analyzer analyzer, string text)
    {
        var terms = new List<string>();
        using var stream = analyzer.GetTokenStream("title", text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }

        stream.End();
        return terms.Distinct().ToList();
    }

    private SearcherManager Searchers()
        => _searchers ?? throw new ApiException(StatusCodes.Status503ServiceUnavailable, options.Value.Enabled
            ? "Search is starting: try again in a moment."
            : "Search is switched off here (Search:Enabled).");

    public override void Dispose()
    {
        _searchers?.Dispose();
        _writer?.Dispose();
        _directory?.Dispose();
        _folder?.Dispose();
        _analyzer.Dispose();
        base.Dispose();
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Markup();

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Count} articles for search in {ElapsedMs} ms")]
    private partial void LogBuilt(int count, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Indexing articles for search failed; retrying in 5 s")]
    private partial void LogIndexFailed(Exception exception);
}
