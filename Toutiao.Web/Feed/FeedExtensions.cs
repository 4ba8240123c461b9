using Microsoft.Extensions.Options;
using Polly;
using Toutiao.Reco.Grpc;

namespace Toutiao.Web.Feed;

public static class FeedExtensions
{
    /// <summary>The home feed: the Reco client with its breaker, the popular fallback, the page assembly, its warm-up at start.</summary>
    public static IHostApplicationBuilder AddFeed(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecoOptions>().BindConfiguration(RecoOptions.SectionName)
            .Validate(o => o.Deadline > TimeSpan.Zero && o.BreakDuration >= TimeSpan.FromMilliseconds(500),
                "Reco:Deadline must be positive and Reco:BreakDuration at least 00:00:00.5 (Polly's minimum).")
            .ValidateOnStart();
        builder.Services.AddRecoGrpcClient<UserRecommend.UserRecommendClient>();
        builder.Services.AddResiliencePipeline(RecoClient.BreakerName, (pipeline, context) =>
            RecoClient.ConfigureBreaker(pipeline, context.ServiceProvider.GetRequiredService<IOptions<RecoOptions>>().Value.BreakDuration));
        builder.Services.AddSingleton<RecoClient>();
        builder.Services.AddSingleton<PopularArticles>();
        builder.Services.AddSingleton<FeedService>();
        builder.Services.AddSingleton<FeedMetrics>();
        builder.Services.AddSingleton<FeedWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<FeedWarmUp>("feed-warm-up", tags: ["ready"]);
        return builder;
    }

    /// <summary>A client of Reco's gRPC services, at <see cref="RecoOptions.Address"/>.</summary>
    internal static IHttpClientBuilder AddRecoGrpcClient<TClient>(this IServiceCollection services) where TClient : class =>
        services.AddGrpcClient<TClient>((services, client) =>
                client.Address = services.GetRequiredService<IOptions<RecoOptions>>().Value.Address)
            // One HTTP/2 connection allows only so many concurrent streams (100 by Kestrel's default);
            // past that, calls queue unless another connection may be opened.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { EnableMultipleHttp2Connections = true });
}
