extern alias reco;
using System.Net;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Deploy;

/// <summary>
/// What the kubelet's probes in deploy/kubernetes reach, with the settings deployed there, outside
/// Development: Web's /health and /alive over HTTP/1.1, Reco's grpc.health.v1 over h2c. MySQL and
/// Redis are unreachable here, so readiness must say no while liveness says yes.
/// </summary>
public sealed class ProbeEndpointTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _hosts = [];
    private readonly string _images = Directory.CreateTempSubdirectory("toutiao-k8s-images-").FullName;

    [Fact]
    public async Task Web_answers_its_http_probes_in_production_with_the_deployed_settings()
    {
        var deploy = DeployedObjects.Load();
        var probes = deploy.Deployment("web")!.Spec.Template.Spec.Containers.Single(c => c.Name == "web");
        var port = Ports.Free();
        Start(new WebApplicationFactory<Toutiao.Web.Feed.FeedService>(), port, DeployedSettings(deploy, "web-config"));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), DefaultRequestVersion = HttpVersion.Version11 };

        using var alive = await client.GetAsync(probes.LivenessProbe.HttpGet.Path);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        // MySQL is down: not ready, so the Service sends no traffic, and alive, so nothing restarts.
        using var health = await client.GetAsync(probes.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Web_maps_no_health_endpoints_in_production_without_the_setting()
    {
        var port = Ports.Free();
        var settings = DeployedSettings(DeployedObjects.Load(), "web-config");
        settings.Remove(Microsoft.Extensions.Hosting.ServiceDefaultsExtensions.ExposeHealthChecksKey);
        Start(new WebApplicationFactory<Toutiao.Web.Feed.FeedService>(), port, settings);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Reco_answers_its_grpc_probes_over_h2c_and_refuses_http_1_1()
    {
        var deploy = DeployedObjects.Load();
        var probes = deploy.Deployment("reco")!.Spec.Template.Spec.Containers.Single(c => c.Name == "reco");
        var port = Ports.Free();
        Start(new WebApplicationFactory<reco::Toutiao.Reco.Recommend.UserRecommendService>(), port, DeployedSettings(deploy, "reco-config"));
        var address = new Uri($"http://127.0.0.1:{port}");
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);

        Assert.NotNull(probes.ReadinessProbe.Grpc);
        Assert.NotNull(probes.LivenessProbe.Grpc);
        var ready = await health.CheckAsync(new HealthCheckRequest { Service = probes.ReadinessProbe.Grpc.Service ?? "" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, ready.Status);
        var alive = await health.CheckAsync(new HealthCheckRequest { Service = probes.LivenessProbe.Grpc.Service ?? "" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, alive.Status);

        // Why not httpGet: the kubelet's HTTP/1.1 request gets no health answer from this port.
        using var http11 = new HttpClient { BaseAddress = address, DefaultRequestVersion = HttpVersion.Version11, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        HttpResponseMessage? answer = null;
        try
        {
            answer = await http11.GetAsync("/alive");
        }
        catch (HttpRequestException)
        {
            // Refused outright: as good a "no" as a 400.
        }

        Assert.True(answer is null || !answer.IsSuccessStatusCode, $"HTTP/1.1 got {answer?.StatusCode}");
        answer?.Dispose();
    }

    /// <summary>
    /// A deployed ConfigMap's data as settings, with unreachable servers and placeholder keys for
    /// what the Secrets hold: readiness then depends on them and fails, liveness does not.
    /// </summary>
    private Dictionary<string, string?> DeployedSettings(DeployedObjects deploy, string configMap)
    {
        var settings = deploy.ConfigMap(configMap)!.Data.ToDictionary(d => d.Key.Replace("__", ":", StringComparison.Ordinal), d => (string?)d.Value);
        settings["ConnectionStrings:redis"] = "127.0.0.1:1,password=unused";
        settings["ConnectionStrings:cache"] = "127.0.0.1:1,password=unused";
        settings["ConnectionStrings:toutiao"] = "Server=127.0.0.1;Port=1;User ID=root;Password=unused;Database=toutiao";
        settings["Tracking:SigningKey"] = new string('t', 48);
        settings["Jwt:Secret"] = new string('j', 48);
        // The volume's path does not exist here; the test listens on its own port.
        settings["Images:Directory"] = _images;
        settings.Remove("HTTP_PORTS");
        // Without MySQL there is no index to build.
        settings["Search:Enabled"] = "false";
        return settings;
    }

    private void Start<T>(WebApplicationFactory<T> factory, int port, Dictionary<string, string?> settings) where T : class
    {
        var configured = factory.WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            foreach (var (key, value) in settings)
            {
                // Read while Program.cs runs, as the environment variables are in a pod.
                builder.UseSetting(key, value);
            }
        });
        _hosts.Add(factory);
        _hosts.Add(configured);
        configured.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        configured.StartServer();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts.AsEnumerable().Reverse())
        {
            await host.DisposeAsync();
        }

        Directory.Delete(_images, recursive: true);
    }
}
