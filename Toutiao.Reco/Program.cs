using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Toutiao.Reco.Development;
using Toutiao.Reco.Ranking;
using Toutiao.Reco.Recommend;
using Toutiao.Reco.Storage;

// "train": the click model's trainer, a process of its own that serves no page.
if (args is [TrainerHost.Verb, ..]) { return await TrainerHost.RunAsync(args[1..]); }

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContentRoot.Resolve() });
// Outside Development, a key anyone could know stops the service before it serves anything.
if (SecretSettings.Refusal(builder, "Tracking:SigningKey") is { } refusal) { Console.Error.WriteLine(refusal); return 1; }

builder.AddServiceDefaults();
builder.AddToutiaoRedis();
builder.AddMySqlDataSource("toutiao");

// Plaintext gRPC needs HTTP/2 with prior knowledge: without TLS there is no ALPN to negotiate it.
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));

builder.Services.AddGrpc(options => options.Interceptors.Add<StorageFailureInterceptor>());
// grpc.health.v1 over the same checks as /health and /alive: an orchestrator's grpc probe speaks
// h2c, which this port requires (an HTTP/1.1 httpGet probe is refused). "" is readiness (every
// check), "liveness" only the checks tagged live.
builder.Services.AddGrpcHealthChecks(options =>
{
    options.Services.Map("", _ => true);
    options.Services.Map("liveness", check => check.Tags.Contains(ServiceDefaultsExtensions.LiveTag));
});
// Check runs the checks when asked; the publisher that comes with the service (for Watch) would also
// run them all every 30 s, a MySQL query each time for nobody. It keeps to the cheap live ones.
builder.Services.Configure<HealthCheckPublisherOptions>(options =>
    options.Predicate = check => check.Tags.Contains(ServiceDefaultsExtensions.LiveTag));
builder.AddRecommendation();

var app = builder.Build();

app.MapGrpcService<UserRecommendService>();
app.MapGrpcHealthChecksService();
app.MapGet("/", () => "Toutiao.Reco speaks gRPC (service UserRecommend) on this port.");
app.MapDefaultEndpoints();
app.MapDevelopmentEndpoints();

await app.RunAsync();
return 0;

// The integration tests start this service with WebApplicationFactory<Program>.
public partial class Program;
