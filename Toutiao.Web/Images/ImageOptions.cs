namespace Toutiao.Web.Images;

/// <summary>Settings of images; section <c>Images</c>.</summary>
public sealed class ImageOptions
{
    public const string SectionName = "Images";

    /// <summary>Where uploaded images are kept (the AppHost puts it in its data directory); default: <c>images</c> beside the app.</summary>
    public string Directory { get; set; } = "";

    /// <summary>The largest upload, in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 2 * 1024 * 1024;

    public string Root => Directory.Length > 0 ? Directory : Path.Combine(AppContext.BaseDirectory, "images");
}
