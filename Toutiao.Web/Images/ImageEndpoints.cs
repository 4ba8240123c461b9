using Toutiao.Web.Http;

namespace Toutiao.Web.Images;

public static class ImageEndpoints
{
    public static IEndpointRouteBuilder MapImageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/images/uploads/{name}", (string name, ImageStore images) => images.UploadedFile(name) is { } file
            ? Results.File(file, ContentType(file), enableRangeProcessing: true)
            : Results.NotFound(new ApiError("Image not found.")));
        // The demo data's covers and avatars have no files: placeholders, cached for a day.
        app.MapGet("/images/{kind:regex(^(article|user)$)}/{name}", (string kind, string name, HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Text(ImageStore.Placeholder(kind, name), "image/svg+xml");
        });
        return app;
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".png" => "image/png",
        ".jpg" => "image/jpeg",
        ".gif" => "image/gif",
        _ => "image/webp",
    };
}
