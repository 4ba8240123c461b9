namespace Toutiao.Web.Http;

/// <summary>Settings of cross-origin requests; section <c>Cors</c>.</summary>
public sealed class CrossOriginOptions
{
    public const string SectionName = "Cors";

    /// <summary>
    /// Origins whose pages may call this API from a browser (<c>https://m.example.com</c>). None by
    /// default; in Development, when none are given, any origin may (the app's dev server runs on a
    /// port of its own).
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];
}
