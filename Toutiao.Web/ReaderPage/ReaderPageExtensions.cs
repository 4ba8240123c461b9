using Microsoft.Extensions.FileProviders;

namespace Toutiao.Web.ReaderPage;

/// <summary>
/// A small mobile-style reader page at <c>/</c>: static files (<c>ReaderPage/Site</c>, copied next
/// to the assembly, so it is found wherever Web is started from) calling this API as the app does.
/// </summary>
public static class ReaderPageExtensions
{
    public static WebApplication UseReaderPage(this WebApplication app)
    {
        var site = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "ReaderPage", "Site"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = site });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = site });
        return app;
    }
}
