namespace Toutiao.Web.Reactions;

public static class ReactionExtensions
{
    /// <summary>Likes, dislikes and collections of articles.</summary>
    public static IHostApplicationBuilder AddReactions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ArticleReactions>();
        return builder;
    }
}
