using Toutiao.Contracts.Tracking;

namespace Toutiao.Web.Behaviors;

public static class BehaviorExtensions
{
    /// <summary>Behaviour reports: tracking strings checked, then appended to the stream Reco applies.</summary>
    public static IHostApplicationBuilder AddBehaviors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddTrackingSignature();
        builder.Services.AddOptions<BehaviorOptions>().BindConfiguration(BehaviorOptions.SectionName)
            .Validate(o => o.ExposuresMaxLength > 0, "Behaviors:ExposuresMaxLength must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<BehaviorReports>();
        builder.Services.AddSingleton<BehaviorLog>();
        builder.Services.AddSingleton<ReportedOnce>();
        return builder;
    }
}
