using System.Net;
using System.Security.Cryptography;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Deploy;

/// <summary>
/// What the kubelet's probes in deploy/kubernetes reach, outside Development, with the environment
/// the ConfigMaps give: Web's /health and /alive over HTTP/1.1, Reco's grpc.health.v1 over h2c.
/// MySQL and Redis are unreachable here, so readiness must say no while liveness says yes. The
/// services run as processes of their own, as in a pod (and so their MySQL and Redis attempts stay
/// out of the in-process telemetry other tests count).
/// </summary>
public sealed class ProbeEndpointTests : IAsyncLifetime
{
    private readonly List<ServiceProcess> _processes = [];
    private readonly string _images = Directory.CreateTempSubdirectory("toutiao-k8s-images-").FullName;

    [Fact]
    public async Task Web_answers_its_http_probes_in_production_with_the_deployed_settings()
    {
        var deploy = DeployedObjects.Load();
        var container = deploy.Deployment("web")!.Spec.Template.Spec.Containers.Single(c => c.Name == "web");
        var address = await StartAsync("Toutiao.Web", PodEnvironment(deploy, "web-config"));
        using var client = new HttpClient { BaseAddress = address, DefaultRequestVersion = HttpVersion.Version11 };

        using var alive = await client.GetAsync(container.LivenessProbe.HttpGet.Path);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        // MySQL is down: not ready, so the Service sends no traffic, and alive, so nothing restarts.
        using var health = await client.GetAsync(container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("Unhealthy", await health.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Web_maps_no_health_endpoints_in_production_without_the_setting()
    {
        var environment = PodEnvironment(DeployedObjects.Load(), "web-config");
        Assert.True(environment.Remove("HealthChecks__Expose"));
        var address = await StartAsync("Toutiao.Web", environment);
        using var client = new HttpClient { BaseAddress = address };

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/debug/runtime")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/debug/reco-check")).StatusCode);
    }

    [Fact]
    public async Task Reco_answers_its_grpc_probes_over_h2c_and_gives_http_1_1_no_answer()
    {
        var deploy = DeployedObjects.Load();
        var container = deploy.Deployment("reco")!.Spec.Template.Spec.Containers.Single(c => c.Name == "reco");
        var address = await StartAsync("Toutiao.Reco", PodEnvironment(deploy, "reco-config"));
        using var channel = GrpcChannel.ForAddress(address);
        var health = new Health.HealthClient(channel);

        Assert.NotNull(container.ReadinessProbe.Grpc);
        Assert.NotNull(container.LivenessProbe.Grpc);
        var ready = await health.CheckAsync(new HealthCheckRequest { Service = container.ReadinessProbe.Grpc.Service ?? "" });
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, ready.Status);
        var alive = await health.CheckAsync(new HealthCheckRequest { Service = container.LivenessProbe.Grpc.Service ?? "" });
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
    /// A pod's environment: the deployed ConfigMap's data as it is, unreachable servers and
    /// placeholder keys for what the Secrets hold, a free port, this machine's images directory.
    /// </summary>
    private Dictionary<string, string> PodEnvironment(DeployedObjects deploy, string configMap)
    {
        var environment = new Dictionary<string, string>(deploy.ConfigMap(configMap)!.Data)
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Refused at once: without the short timeout the start waits seconds for nobody.
            ["ConnectionStrings__redis"] = "127.0.0.1:1,password=unused,connectTimeout=100,connectRetry=0",
            ["ConnectionStrings__cache"] = "127.0.0.1:1,password=unused,connectTimeout=100,connectRetry=0",
            ["ConnectionStrings__toutiao"] = "Server=127.0.0.1;Port=1;User ID=root;Password=unused;Database=toutiao",
            ["Tracking__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)),
            ["Jwt__Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(36)),
            ["HTTP_PORTS"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Images__Directory"] = _images,
            // Without MySQL there is no index to build.
            ["Search__Enabled"] = "false",
        };
        return environment;
    }

    /// <summary>Starts a built service as a pod would and returns its address once Kestrel says it listens.</summary>
    private async Task<Uri> StartAsync(string project, Dictionary<string, string> environment)
    {
        var service = ServiceProcess.Start(project, environment);
        _processes.Add(service);
        return await service.ListeningAsync(TimeSpan.FromSeconds(60));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        Directory.Delete(_images, recursive: true);
    }
}
