using Toutiao.Web.Articles;

namespace Toutiao.Web.Feed;

public sealed record RecommendedArticle(long ArticleId, ArticleTrace Trace);
