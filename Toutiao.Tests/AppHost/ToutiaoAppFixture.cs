extern alias apphost;

using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Toutiao.Tests.Infrastructure;
using Projects = apphost::Projects;

namespace Toutiao.Tests.AppHost;

/// <summary>
/// The whole app model of <c>Toutiao.AppHost</c> started through <c>Aspire.Hosting.Testing</c>, with
/// the real Aspire dashboard: two Reco replicas, data in a private directory, random ports, so it
/// runs beside a developer's <c>./toutiao run</c>. Started once for the tests of this collection.
/// </summary>
public sealed class ToutiaoAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("toutiao-app-").FullName;

    /// <summary>The dashboard's telemetry API key (<c>AppHost:DashboardApiKey</c>).</summary>
    public string DashboardApiKey { get; } = Convert.ToHexString(Guid.NewGuid().ToByteArray()).ToLowerInvariant();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The dashboard's login link with its browser token, as <c>./toutiao run</c> prints it.</summary>
    public Uri DashboardLoginUrl { get; private set; } = null!;

    /// <summary>What the AppHost and its resources logged.</summary>
    public CapturedLog AppHostLog { get; } = new();

    public HttpClient Web { get; private set; } = null!;

    /// <summary>The dashboard's HTTP API, with the key.</summary>
    public HttpClient Dashboard { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Toutiao_AppHost>(
            new DistributedApplicationTestingBuilderOptions { EnableDashboard = true },
            [
                $"--AppHost:DataDirectory={DataDirectory}",
                $"--AppHost:DashboardApiKey={DashboardApiKey}",
                "--Replicas:reco=2",
                "--Replicas:web=2",
                // The state server as a deployment that must lose nothing acknowledged runs it.
                "--Redis:redis:AppendFsync=always",
                // The soak drives pages at half capacity from one address, as no client would.
                "--RateLimits:ReadsPerClientPerMinute=1000000000",
                "--RateLimits:ReadsPerReaderPerMinute=1000000000",
            ],
            timeout.Token);
        builder.Services.AddLogging(logging => logging.AddProvider(AppHostLog));
        // The trace test empties Redis of article infos for a cold page: Web must read through to it, not its memory.
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(p => p.Name == "web"))
            .WithEnvironment("ArticleCache__LocalTtl", "00:00:00")
            // The cache warm-up and the recall rebuild, every 5 minutes, are work and a trace each by
            // design: QuietTracesTests' idle half-minute must not meet one in a long run.
            .WithEnvironment("ArticleCache__WarmInterval", "01:00:00")
            // The newsroom's articles are work and traces too (NewsroomTests publish on their own).
            .WithEnvironment("Demo__PublishInterval", "00:00:00");
        foreach (var reco in builder.Resources.OfType<ProjectResource>().Where(p => ServiceBuilderExtensions.IsInstanceOf(p.Name, "reco")))
        {
            builder.CreateResourceBuilder(reco).WithEnvironment("Recommendation__RefreshInterval", "01:00:00");
        }

        App = await builder.BuildAsync(timeout.Token);
        try
        {
            await App.StartAsync(timeout.Token);
            await App.ResourceNotifications.WaitForResourceHealthyAsync("web", timeout.Token);
            Web = App.CreateHttpClient("web");
            DashboardLoginUrl = await App.GetDashboardUrlAsync(timeout.Token);
            Dashboard = new HttpClient { BaseAddress = new Uri(DashboardLoginUrl.GetLeftPart(UriPartial.Authority)) };
            Dashboard.DefaultRequestHeaders.Add("X-API-Key", DashboardApiKey);
        }
        catch (Exception ex)
        {
            await DisposeAsync();
            // What the resources printed is what explains a failed start.
            throw new InvalidOperationException($"The app did not start: {ex.Message}\n{string.Join('\n', AppHostLog.Lines.TakeLast(80))}", ex);
        }
    }

    /// <summary>A page that opens the app: a fresh request of a new anonymous reader.</summary>
    /// <param name="trace">
    /// Sent inside this trace. A hand-written traceparent header would be replaced by this process's
    /// own HttpClient span whenever another test's tracer provider listens, with a trace id of its own.
    /// </param>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> FreshPageAsync(int channel = 1, TestTrace? trace = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"/v1_1/articles?channel_id={channel}&timestamp={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
        request.Headers.TryAddWithoutValidation("Authorization", $"Anony e2e-{Guid.NewGuid():N}");
        HttpResponseMessage response;
        using (trace?.Begin())
        {
            response = await Web.SendAsync(request);
        }

        var body = response.Content.Headers.ContentType?.MediaType == "application/json"
            ? await response.Content.ReadFromJsonAsync<JsonElement>()
            : default;
        return (response, body);
    }

    /// <summary>Spans of one trace from the dashboard's telemetry API, as (resource, scope, span) in OTLP JSON.</summary>
    public async Task<List<DashboardSpan>> TraceAsync(TestTrace trace)
    {
        using var response = await Dashboard.GetAsync($"/api/telemetry/traces/{trace.TraceId.ToHexString()}");
        if (!response.IsSuccessStatusCode)
        {
            return [];
        }

        return DashboardSpan.Parse(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>
    /// Waits until a feed request's trace has reached the dashboard whole: Reco's server span, and
    /// the Redis command spans of both services (the instrumentation drains them every few seconds).
    /// </summary>
    public async Task<List<DashboardSpan>> CompleteFeedTraceAsync(TestTrace trace, bool expectMySql)
    {
        List<DashboardSpan> spans = [];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline && !IsComplete(spans))
        {
            await Task.Delay(500);
            spans = await TraceAsync(trace);
        }

        return spans;

        // Spans arrive as they end, and Redis spans at the instrumentation's next flush: the web
        // server span (the root, which ends last) and every kind the tests look for.
        bool IsComplete(List<DashboardSpan> trace)
            => trace.Any(s => s.Service == "web" && s.Kind == 2)
               && trace.Any(s => s.Of("reco") && s.Attributes.GetValueOrDefault("db.system") == "redis")
               && trace.Any(s => s.Service == "web" && s.Attributes.GetValueOrDefault("db.system") == "redis")
               && (!expectMySql || trace.Any(s => s.Service == "web" && s.Scope == "MySqlConnector"))
               && trace.Any(s => s.Of("reco") && s.Kind == 2);
    }

    public async Task DisposeAsync()
    {
        // The AppHost's and the resources' logs, for reading after a failed run.
        var results = Path.Combine(HeadlessChromium.RepositoryRoot(), "TestResults");
        Directory.CreateDirectory(results);
        await File.WriteAllLinesAsync(Path.Combine(results, "apphost.log"), AppHostLog.Lines);

        Web?.Dispose();
        Dashboard?.Dispose();
        if (App is not null)
        {
            await App.DisposeAsync();
        }

        TestDirectories.Delete(DataDirectory);
    }
}

/// <summary>One span as the dashboard's telemetry API returns it (OTLP JSON).</summary>
public sealed record DashboardSpan(
    string Service, string InstanceId, string Scope, string Name, string SpanId, string? ParentSpanId, int Kind,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>Sent by <paramref name="service"/>, any of its instances (Reco's are "reco", "reco-2", ...).</summary>
    public bool Of(string service) => ServiceBuilderExtensions.IsInstanceOf(Service, service);

    public static List<DashboardSpan> Parse(JsonElement envelope)
    {
        var spans = new List<DashboardSpan>();
        if (!envelope.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            return spans;
        }

        foreach (var resource in resourceSpans.EnumerateArray())
        {
            var resourceAttributes = AttributesOf(resource.GetProperty("resource"));
            foreach (var scope in resource.GetProperty("scopeSpans").EnumerateArray())
            {
                var scopeName = scope.GetProperty("scope").GetProperty("name").GetString() ?? "";
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    spans.Add(new DashboardSpan(
                        resourceAttributes.GetValueOrDefault("service.name", ""),
                        resourceAttributes.GetValueOrDefault("service.instance.id", ""),
                        scopeName,
                        span.GetProperty("name").GetString() ?? "",
                        span.GetProperty("spanId").GetString() ?? "",
                        span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null,
                        span.TryGetProperty("kind", out var kind) ? kind.GetInt32() : 0,
                        AttributesOf(span)));
                }
            }
        }

        return spans;
    }

    private static Dictionary<string, string> AttributesOf(JsonElement owner)
    {
        var attributes = new Dictionary<string, string>();
        if (owner.TryGetProperty("attributes", out var list))
        {
            foreach (var attribute in list.EnumerateArray())
            {
                var value = attribute.GetProperty("value").EnumerateObject().FirstOrDefault().Value;
                attributes[attribute.GetProperty("key").GetString()!] = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.ToString();
            }
        }

        return attributes;
    }
}

/// <summary>Log lines of the AppHost process itself (not of its resources).</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The first line, logged already or later, that <paramref name="match"/> accepts.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } line)
            {
                return line;
            }

            await _added.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Completes once <paramref name="condition"/> holds for the lines logged so far.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<string>, bool> condition, CancellationToken cancellationToken)
    {
        while (!condition(Lines))
        {
            await _added.WaitAsync(cancellationToken);
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (log._lines)
            {
                log._lines.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }

            log._added.Release();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ToutiaoAppCollection : ICollectionFixture<ToutiaoAppFixture>
{
    public const string Name = "Toutiao app model";
}
