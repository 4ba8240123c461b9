namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Where a service finds its appsettings.json. ASP.NET Core reads it from the content root, which
/// defaults to the working directory: a dll started from elsewhere would silently run without its
/// settings. When the working directory has no appsettings.json, the app's own folder is used.
/// </summary>
public static class AppContentRoot
{
    public static string? Resolve()
        => File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json")) ? null : AppContext.BaseDirectory;
}
