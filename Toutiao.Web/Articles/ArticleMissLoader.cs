using Toutiao.Contracts.Storage;
namespace Toutiao.Web.Articles;

/// <summary>
/// Loads a page's misses from MySQL in one round trip and writes them back to Redis. Concurrent
/// pages missing the same article or author share one load (<see cref="InFlightLoads{TKey, TValue}"/>).
/// </summary>
internal sealed class ArticleMissLoader(ArticleRepository repository, StorageGuard mysql, ArticleCacheWriteBack writeBack, ArticleCacheMetrics metrics)
{
    private readonly InFlightLoads<long, LoadedArticle> _articleLoads = new();
    private readonly InFlightLoads<long, AuthorProfile> _authorLoads = new();

    /// <summary>A finished load of the article is no longer handed out (its status changed).</summary>
    public void ForgetArticle(long articleId) => _articleLoads.Forget(articleId);

    /// <summary>Fills <paramref name="articles"/> and <paramref name="authors"/> with the misses, loaded or not found.</summary>
    public async Task LoadAsync(
        List<long> articleMisses,
        List<long> authorMisses,
        Dictionary<long, ArticleInfo?> articles,
        Dictionary<long, AuthorProfile?> authors,
        CancellationToken cancellationToken)
    {
        var articleClaim = _articleLoads.Claim(articleMisses);
        var authorClaim = _authorLoads.Claim(authorMisses);
        if (articleClaim.Owned.Count + authorClaim.Owned.Count > 0)
        {
            // Other requests may wait for this load: it runs under none of their cancellations, so the
            // owner going away never fails them; the owner only stops waiting for it.
            var (loadedArticles, loadedAuthors) = await LoadAndShareAsync(articleClaim.Owned, authorClaim.Owned).WaitAsync(cancellationToken);
            foreach (var id in articleClaim.Owned)
            {
                articles[id] = loadedArticles.GetValueOrDefault(id);
            }

            foreach (var (id, author) in loadedAuthors)
            {
                authors[id] = author;
            }
        }

        foreach (var (id, load) in articleClaim.Awaited)
        {
            // The article comes with the author the owner loaded alongside it.
            var loaded = await load.WaitAsync(cancellationToken);
            articles[id] = loaded?.Info;
            if (loaded is not null)
            {
                authors.TryAdd(loaded.Info.AutId, loaded.Author);
            }
        }

        foreach (var (id, load) in authorClaim.Awaited)
        {
            authors[id] = await load.WaitAsync(cancellationToken);
        }

        // Authors of articles that were just loaded come with them; any still unknown were not found.
        foreach (var info in articles.Values.OfType<ArticleInfo>())
        {
            authors.TryAdd(info.AutId, null);
        }
    }

    private async Task<(Dictionary<long, ArticleInfo> Articles, Dictionary<long, AuthorProfile> Authors)> LoadAndShareAsync(
        List<long> articleIds, List<long> authorIds)
    {
        try
        {
            metrics.MySqlFallback();
            var (loadedArticles, loadedAuthors) = await mysql.RunAsync(token => repository.LoadAsync(articleIds, authorIds, token), CancellationToken.None);
            await writeBack.WriteAsync(articleIds, loadedArticles, authorIds, loadedAuthors);
            _articleLoads.Complete(articleIds, loadedArticles.ToDictionary(
                a => a.Key, a => new LoadedArticle(a.Value, loadedAuthors.GetValueOrDefault(a.Value.AutId))));
            _authorLoads.Complete(authorIds, loadedAuthors);
            return (loadedArticles, loadedAuthors);
        }
        catch (Exception ex)
        {
            _articleLoads.Fail(articleIds, ex);
            _authorLoads.Fail(authorIds, ex);
            throw;
        }
    }
}
