using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Toutiao.AppHost.Hosting;

namespace Toutiao.AppHost.Dashboard;

/// <summary>What the dashboard shows of a resource instance.</summary>
public sealed record InstanceView(
    string Name, string State, string? Health, string? Url, int? ProcessId, DateTimeOffset? StartedAt,
    int RestartCount, int? ExitCode, string? Message);

public sealed record ResourceView(string Name, string Type, string State, string? Health, IReadOnlyList<InstanceView> Instances);

/// <summary>The dashboard of the AppHost: resources for now (traces, logs and metrics arrive with the telemetry intake).</summary>
public static class DashboardEndpoints
{
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/resources", (DistributedApplication application) => TypedResults.Ok(application.Resources.Select(View)));

        app.MapGet("/api/resources/{name}/console", (string name, long? after, DistributedApplication application) =>
        {
            var resource = application.Resources.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase));
            if (resource is null)
            {
                return Results.NotFound();
            }

            var lines = resource.Instances.SelectMany(i => i.Console.Since(after ?? 0).Select(l => new
            {
                instance = i.Name, number = l.Number, timestamp = l.Timestamp, text = l.Text, isError = l.IsError,
            })).OrderBy(l => l.timestamp).ThenBy(l => l.number);
            return Results.Ok(lines);
        });

        app.MapGet("/", () => Results.Content(ResourcesPage, "text/html; charset=utf-8"));
        return app;
    }

    public static ResourceView View(Resource resource) => new(
        resource.Name,
        resource.Type,
        resource.State.ToString(),
        resource.Health?.ToString(),
        resource.Instances.Select(i => new InstanceView(
            i.Name, i.State.ToString(), i.Health?.ToString(), i.Url, i.ProcessId, i.StartedAt, i.RestartCount, i.ExitCode, i.Message)).ToList());

    private const string ResourcesPage = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Toutiao AppHost</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
          table { border-collapse: collapse; width: 100%; }
          th, td { text-align: left; padding: .4rem .8rem; border-bottom: 1px solid #ddd; }
          .Running { color: #157f3b; } .FailedToStart, .Exited { color: #b3261e; } .Waiting, .Starting { color: #8a6d00; }
        </style></head>
        <body><h1>Resources</h1>
        <table><thead><tr><th>Name</th><th>Type</th><th>State</th><th>Health</th><th>Endpoint</th><th>PID</th><th>Started</th><th>Details</th></tr></thead>
        <tbody id="rows"></tbody></table>
        <script>
        const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
        async function refresh() {
          const resources = await (await fetch('/api/resources')).json();
          document.getElementById('rows').innerHTML = resources.flatMap(r => (r.instances.length ? r.instances : [{name: r.name, state: r.state}]).map(i => `
            <tr><td>${esc(i.name)}</td><td>${esc(r.type)}</td><td class="${esc(i.state)}">${esc(i.state)}</td><td>${esc(i.health)}</td>
            <td>${i.url && i.url.startsWith('http') ? `<a href="${esc(i.url)}">${esc(i.url)}</a>` : esc(i.url)}</td>
            <td>${esc(i.processId)}</td><td>${i.startedAt ? new Date(i.startedAt).toLocaleTimeString() : ''}</td><td>${esc(i.message)}</td></tr>`)).join('');
        }
        refresh(); setInterval(refresh, 2000);
        </script></body></html>
        """;
}
