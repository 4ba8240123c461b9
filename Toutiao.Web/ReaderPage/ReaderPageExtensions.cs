using Microsoft.Extensions.FileProviders;

namespace Toutiao.Web.ReaderPage;

/// <summary>
/// A small mobile-style reader page at <c>/</c>: static files (<c>ReaderPage/Site</c>, copied next
/// to the assembly, so it is found wherever Web is started from) calling this API as the app does.
/// </summary>
public static class ReaderPageExtensions
{
    /// <summary>Scripts, styles, images and calls from this origin only; no plugins, no framing, no base or form targets elsewhere.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication UseReaderPage(this WebApplication app)
    {
        var site = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "ReaderPage", "Site"));
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = site });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = site,
            // Article HTML is sanitised, and still nothing it holds may run or load from elsewhere.
            OnPrepareResponse = context => context.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy,
        });
        return app;
    }
}
