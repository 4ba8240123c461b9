using Microsoft.Extensions.DependencyInjection;

namespace Toutiao.Contracts.Tracking;

public static class TrackingSignatureExtensions
{
    /// <summary>Registers <see cref="TrackingSignature"/> with its options, validated when the host starts.</summary>
    public static IServiceCollection AddTrackingSignature(this IServiceCollection services)
    {
        services.AddOptions<TrackingOptions>().BindConfiguration(TrackingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<TrackingSignature>();
        return services;
    }
}
