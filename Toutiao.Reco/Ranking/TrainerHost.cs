using Toutiao.Reco.Development;
using Toutiao.Reco.Recommend;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// <c>Toutiao.Reco train</c>: the click model's trainer as a process of its own, which serves no
/// page. A fit keeps a core busy for half a minute and allocates millions of examples; in the
/// serving process its garbage collections stop every page in flight. Here they stop only the
/// trainer, which runs only on CPU nothing else wants (<see cref="TrainerPriority"/>), and the serving
/// replicas (<c>Ranking:Trainer=elsewhere</c>) load what it stores.
/// </summary>
public static class TrainerHost
{
    public const string Verb = "train";

    public static async Task<int> RunAsync(string[] args)
    {
        var lowered = TrainerPriority.Lowest();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContentRoot.Resolve() });
        builder.AddServiceDefaults();
        builder.AddToutiaoRedis();
        builder.AddMySqlDataSource("toutiao");
        builder.AddClickModelTrainer();

        var app = builder.Build();
        app.Logger.LogInformation("The click model's trainer: {Threads} threads at SCHED_IDLE and nice {Nice}", lowered, TrainerPriority.Nice);
        app.MapGet("/", () => "Toutiao.Reco's trainer: it fits the click model and stores it in Redis; it serves no page.");
        app.MapDefaultEndpoints();
        app.MapDevelopmentEndpoints();
        await app.RunAsync();
        return 0;
    }
}
