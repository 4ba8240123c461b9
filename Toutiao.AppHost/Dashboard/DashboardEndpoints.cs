using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Toutiao.AppHost.Hosting;
using Toutiao.AppHost.Hosting.Orchestration;
using Toutiao.AppHost.Telemetry;

namespace Toutiao.AppHost.Dashboard;

/// <summary>An environment variable; the page masks secret ones until a person reveals them.</summary>
public sealed record EnvironmentVariableView(string Name, string Value, bool IsSecret);

public sealed record InstanceView(
    string Name, string State, string? Health, string? Url, int? ProcessId, DateTimeOffset? StartedAt,
    int RestartCount, int? ExitCode, string? Message, IReadOnlyList<EnvironmentVariableView> Environment);

public sealed record ResourceView(string Name, string Type, string State, string? Health, IReadOnlyList<InstanceView> Instances);

public sealed record TraceSummary(string TraceId, string Name, DateTimeOffset Start, double DurationMs, int SpanCount, IReadOnlyList<string> Services, bool HasError);

public sealed record SpanView(
    string SpanId, string? ParentSpanId, string Name, string Kind, string Summary, string Service, string? Instance,
    DateTimeOffset Start, double OffsetMs, double DurationMs, string Status, string? StatusMessage, string Scope,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<SpanEvent> Events, IReadOnlyList<SpanLink> Links,
    IReadOnlyDictionary<string, string> Resource);

public sealed record TraceView(string TraceId, string Name, DateTimeOffset Start, double DurationMs, IReadOnlyList<string> Services, bool HasError, IReadOnlyList<SpanView> Spans);

public sealed record LogView(
    long Id, DateTimeOffset Time, string Resource, string Level, string Message, string Category, string? TraceId, string? SpanId,
    IReadOnlyDictionary<string, string> Attributes);

public sealed record InstrumentView(string Service, string Name, string Description, string Unit, string Kind, int Points);

/// <summary>The dashboard: pages (one static app, shipped in the assembly) and the JSON API behind them.</summary>
public static class DashboardEndpoints
{
    private static readonly string[] SecretHints = ["password", "secret", "key", "token", "connectionstrings", "headers"];

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app, string host)
    {
        var api = app.MapGroup("/api").RequireHost(host);
        api.MapGet("/resources", (DistributedApplication application) => TypedResults.Ok(application.Resources.Select(View)));
        api.MapGet("/resources/{name}/console", (string name, long? after, DistributedApplication application) =>
        {
            var resource = application.Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (resource is null)
            {
                return Results.NotFound();
            }

            // One cursor (the number of the newest line seen) follows every replica of the resource.
            var instances = resource.Instances.ToDictionary(i => i.Console, i => i.Name);
            return Results.Ok(ConsoleLog.Since(instances.Keys, after ?? 0).Select(entry => new
            {
                instance = instances[entry.Log], number = entry.Line.Number, timestamp = entry.Line.Timestamp,
                text = entry.Line.Text, isError = entry.Line.IsError,
            }));
        });
        api.MapPost("/resources/{name}/{action}", async (string name, string action, DistributedApplication application) =>
        {
            var resource = application.Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (resource is null)
            {
                return Results.NotFound();
            }

            switch (action)
            {
                case "stop":
                    await application.StopResourceAsync(resource);
                    break;
                case "start":
                    application.StartResource(resource);
                    break;
                case "restart":
                    await application.StopResourceAsync(resource);
                    application.StartResource(resource);
                    break;
                default:
                    return Results.BadRequest(new { message = "action must be stop, start or restart." });
            }

            return Results.Ok(View(resource));
        });

        api.MapGet("/traces", (string? service, string? name, double? minDurationMs, int? limit, TelemetryStore store) =>
            TypedResults.Ok(store.Traces()
                .Where(t => service is null || t.Services.Contains(service))
                .Where(t => name is null || t.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
                .Where(t => minDurationMs is null || t.DurationMs >= minDurationMs)
                .OrderByDescending(t => t.Start)
                .Take(Math.Clamp(limit ?? 200, 1, 10_000))
                .Select(t => new TraceSummary(t.TraceId, t.Name, t.Start, t.DurationMs, t.Spans.Count, t.Services, t.HasError))));
        api.MapGet("/traces/{traceId}", (string traceId, TelemetryStore store) =>
            store.Trace(traceId) is { } trace ? Results.Ok(View(trace)) : Results.NotFound());

        api.MapGet("/logs", (string? resource, string? level, string? text, string? traceId, int? limit, TelemetryStore store) =>
            TypedResults.Ok(store.Logs()
                .Where(l => resource is null || l.Resource.ServiceName == resource)
                .Where(l => level is null || AtLeast(l.Level, level))
                .Where(l => text is null || l.Message.Contains(text, StringComparison.OrdinalIgnoreCase))
                .Where(l => traceId is null || l.TraceId == traceId)
                .Reverse()
                .Take(Math.Clamp(limit ?? 500, 1, 10_000))
                .Select(l => new LogView(l.Id, l.Time, l.Resource.ServiceName, l.Level, l.Message, l.Category, l.TraceId, l.SpanId, l.Attributes))));

        api.MapGet("/metrics", (TelemetryStore store) => TypedResults.Ok(store.Metrics()
            .OrderBy(m => m.Service).ThenBy(m => m.Name)
            .Select(m => new InstrumentView(m.Service, m.Name, m.Description, m.Unit, m.Kind, m.Points.Count))));
        api.MapGet("/metrics/{service}/{name}", (string service, string name, TelemetryStore store) =>
            store.Metrics().FirstOrDefault(m => m.Service == service && m.Name == name) is { } series
                ? Results.Ok(new { series.Service, series.Name, series.Unit, series.Kind, series.Description, points = series.Points })
                : Results.NotFound());

        // next: where to go after logging in, such as "/#/traces"; only paths of this dashboard.
        app.MapGet("/login", (string? t, string? next, HttpContext http, DashboardAuth auth) => auth.TryLogIn(http, t)
            ? Results.Redirect(next is ['/', not '/' and not '\\', ..] ? next : "/")
            : Results.Content(Asset("login.html"), "text/html; charset=utf-8", statusCode: StatusCodes.Status401Unauthorized)).RequireHost(host);
        app.MapGet("/", () => Results.Content(Asset("index.html"), "text/html; charset=utf-8")).RequireHost(host);
        app.MapGet("/assets/{file}", (string file) => Asset(file) is { Length: > 0 } content
            ? Results.Content(content, file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8")
            : Results.NotFound()).RequireHost(host);
        return app;
    }

    /// <summary>Refuses everything on the dashboard port but the login page to those without the session cookie.</summary>
    public static IApplicationBuilder UseDashboardLogin(this IApplicationBuilder app, int dashboardPort, DashboardAuth auth)
        => app.Use(async (http, next) =>
        {
            // The login page and its stylesheet are public; the assets hold no data.
            if (http.Connection.LocalPort != dashboardPort || http.Request.Path.StartsWithSegments("/login")
                || http.Request.Path.StartsWithSegments("/assets") || auth.IsLoggedIn(http))
            {
                await next(http);
                return;
            }

            if (http.Request.Path.StartsWithSegments("/api"))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await http.Response.WriteAsJsonAsync(new { message = "Log in with the link the AppHost printed." });
                return;
            }

            http.Response.Redirect("/login");
        });

    public static ResourceView View(Resource resource) => new(
        resource.Name,
        resource.Type,
        resource.State.ToString(),
        resource.Health?.ToString(),
        resource.Instances.Select(i => new InstanceView(
            i.Name, i.State.ToString(), i.Health?.ToString(), i.Url, i.ProcessId, i.StartedAt, i.RestartCount, i.ExitCode, i.Message,
            i.Environment.OrderBy(e => e.Key, StringComparer.Ordinal)
                .Select(e => new EnvironmentVariableView(e.Key, e.Value, IsSecret(e.Key, e.Value))).ToList())).ToList());

    private static bool IsSecret(string key, string value)
        => SecretHints.Any(hint => key.Contains(hint, StringComparison.OrdinalIgnoreCase)) || value.Contains("password=", StringComparison.OrdinalIgnoreCase);

    private static TraceView View(TraceData trace) => new(
        trace.TraceId, trace.Name, trace.Start, trace.DurationMs, trace.Services, trace.HasError,
        trace.Spans.OrderBy(s => s.Start).Select(s => new SpanView(
            s.SpanId, s.ParentSpanId, s.Name, s.Kind, s.Summary, s.Resource.ServiceName, s.Resource.InstanceId, s.Start,
            (s.Start - trace.Start).TotalMilliseconds, s.DurationMs, s.Status, s.StatusMessage, s.Scope, s.Attributes, s.Events, s.Links,
            s.Resource.Attributes)).ToList());

    private static readonly string[] Levels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"];

    private static bool AtLeast(string level, string minimum)
        => Array.IndexOf(Levels, level) >= Math.Max(0, Array.FindIndex(Levels, l => l.Equals(minimum, StringComparison.OrdinalIgnoreCase)));

    private static string Asset(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"Toutiao.AppHost.Dashboard.Assets.{file}");
        if (stream is null)
        {
            return "";
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
