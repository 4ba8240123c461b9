using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Toutiao.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Toutiao.Tests.App.CourseApp;

/// <summary>
/// The course's app in Debian's headless Chromium (Playwright, the browser not downloaded), on a phone's
/// viewport. Steps run in order, each passed or failed with its reason; every answer to <c>/api</c> and
/// <c>/images</c>, every uncaught page error and every error report the app sends is recorded. Each wait is for an event (an element, a
/// text, an answer to a call), never a fixed time.
/// </summary>
public sealed partial class CourseAppDrive : IAsyncDisposable
{
    /// <summary>How long one wait may take on a busy 2-core machine before the step fails.</summary>
    public const float WaitMilliseconds = 20_000;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly Uri _app;
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<(string Step, int Status, string What)> _calls = new();
    private readonly ConcurrentQueue<string> _knownDefects = new();
    private string _step = "start";
    private string? _stoppedBy;

    private CourseAppDrive(IPlaywright playwright, IBrowser browser, IPage page, Uri app, ITestOutputHelper output)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        _app = app;
        _output = output;
    }

    public IPage Page { get; }

    public ILocator Body => Page.Locator("body");

    /// <summary>The failed steps, the page errors and every answer 5xx, each with the step it happened in.</summary>
    public IReadOnlyList<string> Failures => [.. _failures, .. _calls.Where(c => c.Status >= 500).Select(c => $"{c.Step}: {c.Status} {c.What}")];

    /// <summary>Chromium: <c>CHROMIUM</c> when set, else Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<CourseAppDrive> StartAsync(Uri app, ITestOutputHelper output)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args =
                [
                    "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    // Nothing but loopback is reachable here: the app's icon font CDN and its hard-coded
                    // token-refresh host fail at once instead of waiting for DNS.
                    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                ],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = 375, Height = 800 },
                IsMobile = true,
                HasTouch = true,
                Locale = "zh-CN",
            });
            context.SetDefaultTimeout(WaitMilliseconds);
            Assertions.SetDefaultExpectTimeout(WaitMilliseconds);
            var page = await context.NewPageAsync();
            var drive = new CourseAppDrive(playwright, browser, page, app, output);
            page.Response += (_, response) => drive.Record(response);
            page.PageError += (_, error) => drive._failures.Enqueue($"{drive._step}: page error: {error}");
            page.Request += (_, request) => drive.RecordErrorReport(request);
            // What the app logs as an error (it logs the failures it catches itself) helps explain a failed
            // step; the hosts it cannot reach here (its icon font, its error reports) are no news.
            page.Console += (_, message) =>
            {
                if (message.Type == "error" && !message.Text.Contains("ERR_NAME_NOT_RESOLVED", StringComparison.Ordinal))
                {
                    drive._output.WriteLine($"      console error in {drive._step}: {message.Text}");
                }
            };
            return drive;
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The one error this build of the app makes whatever the backend answers: its <c>LoadingList</c>
    /// (collections, history, an author's articles) renders <c>{{ item }}</c> as its slot's fallback, which
    /// Vue 2.6.11 evaluates even when the slot is given, and <c>String()</c> of an object json-bigint 1.0
    /// made (no prototype) throws. The list never shows an item; the reader sees it loading.
    /// </summary>
    public const string KnownAppDefect = "Cannot convert object to primitive value";

    /// <summary>The known defect's reports, once each: the step it was reported in and what.</summary>
    public IReadOnlyList<string> KnownDefectsSeen => [.. _knownDefects.Distinct()];

    /// <summary>
    /// The app's production build reports the errors Vue catches (in rendering, in its handlers) to
    /// Sentry and nowhere else: not to the console, not as a page error. Its reports
    /// (<c>POST https://&lt;sentry&gt;/api/&lt;project&gt;/store/</c>, unreachable here) are read as they leave.
    /// </summary>
    private void RecordErrorReport(IRequest request)
    {
        var url = new Uri(request.Url);
        if (url.Authority == _app.Authority || request.Method != "POST" || !SentryStore().IsMatch(url.AbsolutePath))
        {
            return;
        }

        var report = request.PostData ?? "";
        var error = report;
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(report);
            var exception = json.RootElement.GetProperty("exception").GetProperty("values")[0];
            error = $"{exception.GetProperty("type").GetString()}: {exception.GetProperty("value").GetString()}";
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            // Not an exception report: kept whole.
        }

        if (error.Contains(KnownAppDefect, StringComparison.Ordinal) && report.Contains("LoadingList", StringComparison.Ordinal))
        {
            _knownDefects.Enqueue($"{_step}: LoadingList render {error}");
        }
        else
        {
            _failures.Enqueue($"{_step}: the app reported an error: {(error.Length > 1500 ? error[..1500] : error)}");
        }
    }

    [GeneratedRegex(@"^/api/\d+/store/?$")]
    private static partial Regex SentryStore();

    private void Record(IResponse response)
    {
        var url = new Uri(response.Url);
        if (url.Authority == _app.Authority && (url.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal) || url.AbsolutePath.StartsWith("/images/", StringComparison.Ordinal)))
        {
            _calls.Enqueue((_step, response.Status, $"{response.Request.Method} {url.PathAndQuery}"));
        }
    }

    /// <summary>
    /// Runs one step and records it. A failed step does not stop the drive unless the rest needs it
    /// (<paramref name="needed"/>: the home page, the sign-in): then the remaining steps are recorded as not run.
    /// </summary>
    public async Task StepAsync(string name, Func<Task> body, bool needed = false)
    {
        if (_stoppedBy is not null)
        {
            _failures.Enqueue($"{name}: not run ({_stoppedBy} failed)");
            return;
        }

        _step = name;
        var watch = Stopwatch.StartNew();
        try
        {
            await body();
            _output.WriteLine($"ok    {name} ({watch.Elapsed.TotalSeconds:0.0} s)");
        }
        catch (Exception ex)
        {
            var reason = ex.Message.Length > 1500 ? ex.Message[..1500] + " ..." : ex.Message;
            _failures.Enqueue($"{name}: {reason} (at {Page.Url})");
            _output.WriteLine($"FAIL  {name} ({watch.Elapsed.TotalSeconds:0.0} s): {reason}");
            foreach (var call in _calls.Where(c => c.Step == name))
            {
                _output.WriteLine($"      {call.Status} {call.What}");
            }

            await ScreenshotAsync(name);
            if (needed)
            {
                _stoppedBy = name;
            }
        }
    }

    private async Task ScreenshotAsync(string name)
    {
        try
        {
            var directory = Path.Combine(HeadlessChromium.RepositoryRoot(), "TestResults", "screenshots");
            Directory.CreateDirectory(directory);
            await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, $"course-app-{name}.png") });
        }
        catch (PlaywrightException)
        {
            // A page that cannot be photographed has failed already; the reason is recorded.
        }
    }

    /// <summary>Opens a path of the app (<c>/#/login</c>); a change of the hash alone is a route change, not a reload.</summary>
    public Task GoAsync(string path) => Page.GotoAsync(new Uri(_app, path).ToString());

    /// <summary>The page loaded anew from the server (a fresh Vue app), at <paramref name="url"/>.</summary>
    public async Task ReloadAtAsync(string url)
    {
        await Page.GotoAsync("about:blank");
        await Page.GotoAsync(url);
    }

    /// <summary>Waits until the page shows <paramref name="text"/>.</summary>
    public Task ExpectTextAsync(string text) => Assertions.Expect(Body).ToContainTextAsync(text);

    /// <summary>The first element matching <paramref name="selector"/> whose text contains <paramref name="text"/> (Playwright waits for it, visible and still, when acting).</summary>
    public ILocator ByText(string selector, string text) => Page.Locator(selector, new PageLocatorOptions { HasText = text }).First;

    /// <summary>
    /// Runs <paramref name="action"/> and waits for the app's call <paramref name="method"/>
    /// <paramref name="path"/> (the backend's path, <c>{n}</c> for an id: <c>/v1_0/user/channels/{n}</c>;
    /// the app sends it as <c>/api/app/...</c>) to be answered, and answered 2xx.
    /// </summary>
    public async Task<IResponse> CallAsync(string method, string path, Func<Task> action, string what)
    {
        var pattern = new Regex("^/api/app" + Regex.Escape(path).Replace(@"\{n}", @"\d+", StringComparison.Ordinal) + "$");
        IResponse response;
        try
        {
            response = await Page.RunAndWaitForResponseAsync(action, r => r.Request.Method == method && pattern.IsMatch(new Uri(r.Url).AbsolutePath));
        }
        catch (TimeoutException)
        {
            throw new StepFailedException($"{what}: the app's {method} {path} was not answered within {WaitMilliseconds / 1000} s");
        }

        if (!response.Ok)
        {
            throw new StepFailedException($"{what}: {method} {new Uri(response.Url).PathAndQuery} answered {response.Status} {await SafeTextAsync(response)}");
        }

        return response;
    }

    private static async Task<string> SafeTextAsync(IResponse response)
    {
        try
        {
            return await response.TextAsync();
        }
        catch (PlaywrightException)
        {
            return "";
        }
    }

    /// <summary>Every call the app made, once each: status, method and path with ids as <c>{n}</c>, sorted.</summary>
    public IReadOnlyList<string> CallsUsed() => _calls
        .Select(c => $"{c.Status} {Ids().Replace(c.What.Split('?')[0], "{n}")}")
        .Distinct().Order(StringComparer.Ordinal).ToList();

    public int CallCount => _calls.Count;

    [GeneratedRegex(@"(?<=/)\d+(?=[/.-]|$)")]
    private static partial Regex Ids();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
