using System.Net;
using System.Net.Http.Headers;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Http;

/// <summary>
/// Nothing reads a body it will refuse: an endpoint that needs sign-in answers 401 before it reads,
/// and a body over the endpoint's limit is a 413 with the envelope's message, before reading when
/// its length is declared and as soon as it passes the limit when it streams.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class RequestGateTests(ToutiaoFixture fixture)
{
    private const int TwentyMegabytes = 20 * 1024 * 1024;

    [Fact]
    public async Task Six_concurrent_20_MB_anonymous_bodies_are_refused_with_401_before_their_bodies_are_sent()
    {
        var bodies = Enumerable.Range(0, 6).Select(_ => new CountingContent(TwentyMegabytes, declareLength: true)).ToList();
        var answers = await Task.WhenAll(bodies.Select(body => SendAsync(HttpMethod.Put, "/v1_0/user/channels", null, body)));

        Assert.All(answers, a => Assert.Equal((HttpStatusCode.Unauthorized, "Sign in first: this needs 'Authorization: Bearer <token>'."), a));
        // Expect: 100-continue, as curl sends it for a large body: the answer came before the body was asked for.
        Assert.All(bodies, b => Assert.Equal(0, b.BytesSent));
    }

    [Fact]
    public async Task A_signed_in_body_over_the_limit_is_a_413_before_reading_or_while_streaming()
    {
        var reader = Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(100, 1000), refresh: false));

        var declared = new CountingContent(TwentyMegabytes, declareLength: true);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "The request body is too large: this endpoint takes at most 16 KB."),
            await SendAsync(HttpMethod.Put, "/v1_0/user/channels", reader, declared));
        Assert.Equal(0, declared.BytesSent);

        // Chunked: no length to judge by, so it is cut off once 64 KB (the default) have been read.
        // The answer is a 413, but the server closes a connection whose body it will not read, so a
        // client still writing may see its write fail first: either way, it did not get far.
        var streamed = new CountingContent(TwentyMegabytes, declareLength: false);
        try
        {
            Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "The request body is too large: this endpoint takes at most 64 KB."),
                await SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, streamed));
        }
        catch (HttpRequestException)
        {
            // The write into the closed connection.
        }

        // Read whole, it would have been sent whole (and answered 400 as bad JSON); loopback's socket
        // buffers take a few megabytes before a write fails (5.1 MB seen on 2026-12-05).
        Assert.True(streamed.BytesSent < TwentyMegabytes / 2, $"{streamed.BytesSent} bytes of a refused 20 MB body sent");

        // A photo: 2 MB and the form around it; refused before the 3 MB are sent.
        var photo = new CountingContent(3 * 1024 * 1024, declareLength: true);
        photo.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var form = new MultipartFormDataContent { { photo, "photo", "big.png" } };
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "The request body is too large: this endpoint takes at most 2064 KB."),
            await SendAsync(HttpMethod.Patch, "/v1_0/user/photo", reader, form));
        Assert.Equal(0, photo.BytesSent);

        // Within the limits all is as before.
        Assert.Equal(HttpStatusCode.Created, (await fixture.WebClient.SendAsync(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = 5 })).Status);
    }

    private async Task<(HttpStatusCode Status, string Message)> SendAsync(HttpMethod method, string path, string? authorization, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.ExpectContinue = true;
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await fixture.WebClient.SendAsync(request);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.GetProperty("message").GetString()!);
    }

    /// <summary>A JSON-typed body of <c>size</c> bytes that counts what was actually sent.</summary>
    private sealed class CountingContent : HttpContent
    {
        private readonly long _size;
        private readonly bool _declareLength;
        private long _sent;

        public CountingContent(long size, bool declareLength)
        {
            (_size, _declareLength) = (size, declareLength);
            Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        public long BytesSent => Interlocked.Read(ref _sent);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var chunk = new byte[64 * 1024];
            chunk.AsSpan().Fill((byte)' ');
            for (long left = _size; left > 0; left -= chunk.Length)
            {
                var length = (int)Math.Min(chunk.Length, left);
                await stream.WriteAsync(chunk.AsMemory(0, length));
                Interlocked.Add(ref _sent, length);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _size;
            return _declareLength;
        }
    }
}
