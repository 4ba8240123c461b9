namespace Toutiao.Web.Comments;

public static class CommentExtensions
{
    /// <summary>Comments, replies and their likes.</summary>
    public static IHostApplicationBuilder AddComments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ArticleComments>();
        return builder;
    }
}
