namespace Toutiao.Web.Images;

public static class ImageExtensions
{
    /// <summary>Article and user images on disk, and uploads of profile photos.</summary>
    public static IHostApplicationBuilder AddImages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImageOptions>().BindConfiguration(ImageOptions.SectionName)
            .Validate(o => o.MaxUploadBytes > 0, "Images:MaxUploadBytes must be positive.").ValidateOnStart();
        builder.Services.AddSingleton<ImageStore>();
        return builder;
    }
}
