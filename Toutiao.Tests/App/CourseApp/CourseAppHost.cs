using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.App.CourseApp;

/// <summary>
/// The course's app as its SOURCE.md says to host it: its built <c>dist/</c> served at <c>/</c>, and
/// <c>/api/*</c> (the prefix stripped) and <c>/images/*</c> passed to Web, so the browser sees one
/// origin. An in-process Kestrel on a free loopback port.
/// </summary>
public sealed class CourseAppHost : IAsyncDisposable
{
    public const string DistVariable = "TOUTIAO_COURSE_APP_DIST";

    /// <summary>Where the built app lives beside the repository: <c>&lt;dir&gt;/shared/...</c> next to <c>&lt;dir&gt;/&lt;repo&gt;</c>.</summary>
    private static readonly string[] DistBelowShared = ["shared", "realclient", "toutiao-m", "dist"];

    /// <summary>Request headers that belong to one hop, or that HttpClient sets itself.</summary>
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Expect",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _web;

    private CourseAppHost(WebApplication app, HttpClient web, Uri address)
    {
        _app = app;
        _web = web;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>
    /// The app's <c>dist/</c>: <see cref="DistVariable"/> when set, else the first
    /// <c>shared/realclient/toutiao-m/dist</c> found walking up from the repository, or from the
    /// local repository it was cloned from (a CI clone in a temporary directory). Fails, never
    /// skips, when it is not there: the drive is part of the suite.
    /// </summary>
    public static string FindDist()
    {
        var configured = Environment.GetEnvironmentVariable(DistVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(Path.Combine(configured, "index.html"))
                ? configured
                : throw new Xunit.Sdk.XunitException($"{DistVariable}={configured} holds no index.html: point it at the course app's built dist/ (see its SOURCE.md).");
        }

        var looked = new List<string>();
        var repository = HeadlessChromium.RepositoryRoot();
        foreach (var start in new[] { repository, ClonedFrom(repository) }.OfType<string>())
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine([directory.FullName, .. DistBelowShared]);
                if (File.Exists(Path.Combine(candidate, "index.html")))
                {
                    return candidate;
                }

                looked.Add(candidate);
            }
        }

        throw new Xunit.Sdk.XunitException(
            "The course's app is not there: no built dist/ (with index.html) at " + string.Join(", ", looked) +
            $". It is shared/realclient/toutiao-m/dist beside the repository (its SOURCE.md says how it was built), or set {DistVariable}.");
    }

    /// <summary>The local directory <paramref name="repository"/> was cloned from (its origin), if it is one.</summary>
    private static string? ClonedFrom(string repository)
    {
        var config = Path.Combine(repository, ".git", "config");
        if (!File.Exists(config))
        {
            return null;
        }

        var origin = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(config), @"\[remote ""origin""\][^\[]*?url\s*=\s*(\S+)");
        return origin.Success && Directory.Exists(origin.Groups[1].Value) ? Path.GetFullPath(origin.Groups[1].Value) : null;
    }

    public static async Task<CourseAppHost> StartAsync(string dist, Uri web)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = dist, WebRootPath = dist });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();

        var files = new PhysicalFileProvider(dist);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files });

        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = web,
            Timeout = TimeSpan.FromSeconds(30),
        };
        app.Map("/api/{**rest}", (HttpContext context, string? rest) => ForwardAsync(client, context, "/" + rest));
        app.Map("/images/{**rest}", (HttpContext context, string? rest) => ForwardAsync(client, context, "/images/" + rest));

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new CourseAppHost(app, client, new Uri(address));
    }

    /// <summary>One request passed on as it came (method, headers, body, query) and its answer passed back as it went.</summary>
    private static async Task ForwardAsync(HttpClient web, HttpContext context, string path)
    {
        var incoming = context.Request;
        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), path + incoming.QueryString);
        if (incoming.ContentLength > 0 || incoming.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(incoming.Body);
        }

        foreach (var (name, values) in incoming.Headers)
        {
            if (NotForwarded.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        using var response = await web.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _web.Dispose();
    }
}
