using Grpc.Core;
using Grpc.Net.Client.Balancer;
using Microsoft.Extensions.DependencyInjection.Extensions;
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
            .Validate(o => o.RecordedPageLifetime >= TimeSpan.Zero && o.RecordedPagesKept > 0,
                "Reco:RecordedPageLifetime must not be negative (zero keeps none) and Reco:RecordedPagesKept must be positive.")
            .ValidateOnStart();
        builder.Services.AddRecoGrpcClient(invoker => new UserRecommend.UserRecommendClient(invoker));
        builder.Services.AddResiliencePipeline(RecoClient.BreakerName, (pipeline, context) =>
            RecoClient.ConfigureBreaker(pipeline, context.ServiceProvider.GetRequiredService<IOptions<RecoOptions>>().Value.BreakDuration));
        builder.Services.AddSingleton<RecoClient>();
        builder.Services.AddSingleton<RecordedPages>();
        builder.Services.AddSingleton<PopularArticles>();
        builder.Services.AddSingleton<FeedService>();
        builder.Services.AddSingleton<FeedMetrics>();
        builder.Services.AddSingleton<FeedWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<FeedWarmUp>("feed-warm-up", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// A client of Reco's gRPC services on the process's one channel to Reco (<see cref="RecoChannel"/>).
    /// </summary>
    internal static IServiceCollection AddRecoGrpcClient<TClient>(this IServiceCollection services, Func<CallInvoker, TClient> create) where TClient : class
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ResolverFactory, DiscoveryResolverFactory>());
        // Pods come and go: the names are resolved again this often, not only when a connection fails.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ResolverFactory>(new DnsResolverFactory(TimeSpan.FromSeconds(30))));
        services.TryAddSingleton<RecoChannel>();
        return services.AddSingleton(sp => create(sp.GetRequiredService<RecoChannel>().CallInvoker));
    }
}
