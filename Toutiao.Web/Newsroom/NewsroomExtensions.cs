namespace Toutiao.Web.Newsroom;

public static class NewsroomExtensions
{
    /// <summary>The demo newsroom (<c>Demo:PublishInterval</c>; off unless set, Development sets 30 s).</summary>
    public static IHostApplicationBuilder AddNewsroom(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NewsroomOptions>().BindConfiguration(NewsroomOptions.SectionName)
            .Validate(o => o.PublishInterval >= TimeSpan.Zero, "Demo:PublishInterval must be zero (off) or positive.")
            .Validate(o => !o.Enabled || o.PublishInterval >= TimeSpan.FromSeconds(1), "Demo:PublishInterval must be at least 1 s when set.")
            .ValidateOnStart();
        builder.Services.AddSingleton<DemoNewsroom>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DemoNewsroom>());
        return builder;
    }
}
