using Toutiao.Web.Http;

namespace Toutiao.Web.Comments;

public static class CommentExtensions
{
    /// <summary>Comments, replies and their likes; the <c>Idempotency-Key</c>s of posted comments, forgotten after a day.</summary>
    public static IHostApplicationBuilder AddComments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ArticleComments>();
        builder.Services.AddHostedService<IdempotentWrites>();
        return builder;
    }
}
