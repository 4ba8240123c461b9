using Toutiao.Contracts.Storage;
using Toutiao.Web.Database;
using Toutiao.Web.Http;

namespace Toutiao.Web.Articles;

/// <summary>
/// <c>Toutiao.Web article-status &lt;article id&gt; &lt;status&gt; [settings]</c>: an editor's decision
/// (<see cref="ArticleStatuses"/>) against the storage Web uses (its settings, environment or
/// <c>--ConnectionStrings:...=...</c>), then it exits: 0 done, 1 refused or failed, 2 misused.
/// </summary>
public static class ArticleStatusCommand
{
    public const string Name = "article-status";

    public static async Task<int> RunAsync(string[] arguments)
    {
        if (arguments is not [var idText, var statusText, .. var settings]
            || !long.TryParse(idText, out var articleId) || !int.TryParse(statusText, out var status))
        {
            await Console.Error.WriteLineAsync(
                $"Usage: Toutiao.Web {Name} <article id> <status: 0 draft, 1 pending review, 2 approved, 3 rejected, 4 deleted, 5 banned> [settings]");
            return 2;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings, ContentRootPath = AppContentRoot.Resolve() });
        // Web's own registrations; the app is built, never started, so no background work runs.
        builder.AddStorage();
        builder.AddArticles();
        await using var app = builder.Build();
        try
        {
            await app.Services.GetRequiredService<ArticleStatuses>().SetAsync(articleId, status, CancellationToken.None);
            Console.WriteLine($"Article {articleId}: status {status}.");
            return 0;
        }
        catch (ApiException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            await Console.Error.WriteLineAsync($"Storage failed: {ex.Message}");
            return 1;
        }
    }
}
