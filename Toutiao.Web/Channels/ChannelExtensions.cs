namespace Toutiao.Web.Channels;

public static class ChannelExtensions
{
    /// <summary>The channel catalogue and each reader's own channels.</summary>
    public static IHostApplicationBuilder AddChannels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChannelOptions>().BindConfiguration(ChannelOptions.SectionName);
        builder.Services.AddSingleton<ChannelCatalog>();
        builder.Services.AddSingleton<UserChannels>();
        return builder;
    }
}
