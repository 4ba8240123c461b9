using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Images;

/// <summary>Every image path in the data resolves, and a reader's uploaded photo is checked, kept and served back.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class ImageTests(ToutiaoFixture fixture)
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8];

    [Fact]
    public async Task The_demo_covers_and_avatars_resolve_to_placeholders()
    {
        var item = (await fixture.WebClient.FeedAsync(1, Api.Now())).Data.GetProperty("results")[0];
        var cover = item.GetProperty("cover").GetProperty("images").EnumerateArray().Select(i => i.GetString()!).FirstOrDefault() ?? "/images/article/1-1.jpg";
        foreach (var path in new[] { cover, "/images/user/42.png" })
        {
            using var response = await fixture.WebClient.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("image/svg+xml", response.Content.Headers.ContentType!.MediaType);
            Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.GetAsync("/images/other/1.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.WebClient.GetAsync("/images/uploads/nothing.png")).StatusCode);
    }

    [Fact]
    public async Task An_uploaded_photo_is_checked_kept_and_becomes_the_readers_photo()
    {
        var userId = 77;
        var reader = fixture.WebService<TokenService>().Create(userId, refresh: false);

        var uploaded = await UploadAsync(reader, Png, "me.png");
        Assert.Equal(HttpStatusCode.OK, uploaded.Status);
        var path = uploaded.Data.GetProperty("photo").GetString()!;
        Assert.StartsWith("/images/uploads/", path);
        using (var served = await fixture.WebClient.GetAsync(path))
        {
            Assert.Equal("image/png", served.Content.Headers.ContentType!.MediaType);
            Assert.Equal(Png, await served.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(path, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", Api.Bearer(reader))).Data.GetProperty("photo").GetString());

        // The bytes decide, not the name: text called .png is refused, and so is too much.
        var text = await UploadAsync(reader, "not an image"u8.ToArray(), "fake.png");
        Assert.Equal(HttpStatusCode.BadRequest, text.Status);
        Assert.Contains("PNG, JPEG, GIF or WebP", text.Message);
        var large = await UploadAsync(reader, [.. Png, .. new byte[2 * 1024 * 1024]], "large.png");
        Assert.Equal(HttpStatusCode.BadRequest, large.Status);
        Assert.Contains("at most", large.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(null, Png, "me.png")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/photo", Api.Bearer(reader), new { photo = "x" })).Status);
    }

    [Fact]
    public async Task A_new_photo_replaces_the_previous_one_and_its_file_goes()
    {
        var userId = Random.Shared.Next(200, 1000);
        var reader = fixture.WebService<TokenService>().Create(userId, refresh: false);
        var first = (await UploadAsync(reader, Png, "first.png")).Data.GetProperty("photo").GetString()!;
        var second = (await UploadAsync(reader, Png, "second.png")).Data.GetProperty("photo").GetString()!;

        Assert.NotEqual(first, second);
        Assert.Equal(second, (await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user", Api.Bearer(reader))).Data.GetProperty("photo").GetString());
        using (var gone = await fixture.WebClient.GetAsync(first))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Equal([Path.GetFileName(second)], Directory.GetFiles(Path.Combine(fixture.ImagesDirectory, "uploads"), $"{userId}-*").Select(Path.GetFileName));
    }

    private Task<ApiResponse> UploadAsync(string? token, byte[] bytes, string fileName)
        => fixture.WebClient.UploadPhotoAsync(token is null ? null : Api.Bearer(token), bytes, fileName);
}
