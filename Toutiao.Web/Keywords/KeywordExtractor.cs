using Toutiao.Contracts.Articles;

namespace Toutiao.Web.Keywords;

/// <summary>
/// TF-IDF: an article's keywords are its <see cref="KeywordsPerArticle"/> terms with the largest
/// count × log(articles / (1 + articles holding the term)), weights scaled to add up to 1. A term
/// in more than a tenth of all articles (boilerplate, a title's "深入理解") is no keyword: it
/// would tie an article to thousands of others.
/// </summary>
public static class KeywordExtractor
{
    public const int KeywordsPerArticle = 5;

    public const double MaxDocumentShare = 0.1;

    public static ArticleKeyword[] Top(IReadOnlyDictionary<string, int> counts, Func<string, long> documents, long articles, int k = KeywordsPerArticle)
    {
        var scored = counts
            .Select(c => (Term: c.Key, Score: c.Value * Math.Log((double)Math.Max(articles, 1) / (1 + documents(c.Key)))))
            .Where(c => c.Score > 0 && documents(c.Term) <= MaxDocumentShare * articles)
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Term, StringComparer.Ordinal)
            .Take(k)
            .ToList();
        var total = scored.Sum(c => c.Score);
        return scored.Select(c => new ArticleKeyword(c.Term, c.Score / total)).ToArray();
    }
}
