using System.Globalization;
using Microsoft.Extensions.Options;
using Toutiao.Web.Http;

namespace Toutiao.Web.Images;

/// <summary>
/// Images under <c>/images/</c>: uploads kept in <see cref="ImageOptions.Directory"/>, and for the
/// demo data's covers and avatars (<c>/images/article/...</c>, <c>/images/user/...</c>), which have
/// no files, a generated placeholder, so every path in the data resolves.
/// </summary>
public sealed class ImageStore(IOptions<ImageOptions> options)
{
    private static readonly (byte[] Magic, string Extension)[] Formats =
    [
        ([0x89, 0x50, 0x4E, 0x47], "png"),
        ([0xFF, 0xD8, 0xFF], "jpg"),
        ([0x47, 0x49, 0x46, 0x38], "gif"),
    ];

    /// <summary>Keeps an uploaded image after checking its size and its bytes (not its name or declared type); returns its path.</summary>
    public async Task<string> SaveUploadAsync(IFormFile file, string prefix, CancellationToken cancellationToken)
    {
        if (file.Length == 0 || file.Length > options.Value.MaxUploadBytes)
        {
            throw ApiException.BadRequest($"photo must be an image of at most {options.Value.MaxUploadBytes / 1024} KB.");
        }

        await using var upload = file.OpenReadStream();
        var head = new byte[12];
        var read = await upload.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var extension = Formats.FirstOrDefault(f => read >= f.Magic.Length && head.AsSpan(0, f.Magic.Length).SequenceEqual(f.Magic)).Extension
            ?? (read >= 12 && head.AsSpan(0, 4).SequenceEqual("RIFF"u8) && head.AsSpan(8, 4).SequenceEqual("WEBP"u8) ? "webp" : null)
            ?? throw ApiException.BadRequest("photo must be a PNG, JPEG, GIF or WebP image.");

        var name = $"{prefix}-{Guid.NewGuid():N}.{extension}";
        var directory = Path.Combine(options.Value.Root, "uploads");
        System.IO.Directory.CreateDirectory(directory);
        await using (var stored = File.Create(Path.Combine(directory, name)))
        {
            await stored.WriteAsync(head.AsMemory(0, read), cancellationToken);
            await upload.CopyToAsync(stored, cancellationToken);
        }

        return "/images/uploads/" + name;
    }

    /// <summary>Deletes the file behind an uploaded image's path (<c>/images/uploads/...</c>); other paths have none.</summary>
    public void DeleteUpload(string? path)
    {
        const string Prefix = "/images/uploads/";
        if (path is not null && path.StartsWith(Prefix, StringComparison.Ordinal) && UploadedFile(path[Prefix.Length..]) is { } file)
        {
            File.Delete(file);
        }
    }

    /// <summary>The file of an uploaded image, or null.</summary>
    public string? UploadedFile(string name)
        => name.Length > 0 && name.IndexOfAny(['/', '\\']) < 0 && !name.StartsWith('.') && File.Exists(Path.Combine(options.Value.Root, "uploads", name))
            ? Path.Combine(options.Value.Root, "uploads", name)
            : null;

    /// <summary>A placeholder for a demo image path: a colour of its own and its name.</summary>
    public static string Placeholder(string kind, string name)
    {
        var hue = (uint)string.GetHashCode(name, StringComparison.Ordinal) % 360;
        var (width, height) = kind == "user" ? (96, 96) : (240, 160);
        return $"""
            <svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">
            <rect width="100%" height="100%" fill="hsl({hue.ToString(CultureInfo.InvariantCulture)},55%,70%)"/>
            <text x="50%" y="54%" font-family="sans-serif" font-size="14" text-anchor="middle" fill="#fff">{System.Net.WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(name))}</text>
            </svg>
            """;
    }
}
