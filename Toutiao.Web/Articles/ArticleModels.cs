using System.Text.Encodings.Web;
using System.Text.Json;

namespace Toutiao.Web.Articles;

/// <summary>The cover of an article: type 0 (none), 1 (one image) or 3 (three images).</summary>
public sealed record ArticleCover(int Type, IReadOnlyList<string> Images);

/// <summary>What is cached of an article under <c>art:{id}:info</c>.</summary>
public sealed record ArticleInfo(long ArtId, string Title, long AutId, int ChannelId, DateTime Pubdate, ArticleCover Cover);

/// <summary>What is cached of an author under <c>user:{id}:profile</c>.</summary>
public sealed record AuthorProfile(long UserId, string Name, string? Photo);

/// <summary>The live counters of an article, from the <c>count:art:*</c> sorted sets.</summary>
public sealed record ArticleCounts(long CommCount, long LikeCount, long CollectCount, long ReadCount)
{
    public static readonly ArticleCounts Zero = new(0, 0, 0, 0);
}

/// <summary>An article with its author and counters: everything a list item shows.</summary>
public sealed record ArticleCard(ArticleInfo Info, AuthorProfile? Author, ArticleCounts Counts);

/// <summary>The trace parameters the app reports back for a recommended article.</summary>
public sealed record ArticleTrace(string Click, string Collect, string Share, string Read);

/// <summary>One item of an article list, in the Toutiao JSON shape.</summary>
public sealed record ArticleItem(
    long ArtId,
    string Title,
    long AutId,
    string AutName,
    long CommCount,
    long LikeCount,
    long CollectCount,
    DateTime Pubdate,
    ArticleCover Cover,
    int IsTop,
    ArticleTrace? Trace)
{
    public static ArticleItem From(ArticleCard card, bool isTop = false, ArticleTrace? trace = null) => new(
        card.Info.ArtId,
        card.Info.Title,
        card.Info.AutId,
        card.Author?.Name ?? "",
        card.Counts.CommCount,
        card.Counts.LikeCount,
        card.Counts.CollectCount,
        card.Info.Pubdate,
        card.Info.Cover,
        isTop ? 1 : 0,
        trace);
}

/// <summary>The JSON conventions of the Toutiao API and its cache entries: snake_case, readable Chinese.</summary>
public static class ToutiaoJson
{
    public static void Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        // The API returns JSON, never HTML: Chinese text and quotes inside trace strings stay readable.
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
    }

    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions();
        Configure(options);
        return options;
    }
}
