using Microsoft.AspNetCore.Server.Kestrel.Core;
using Toutiao.Reco.Recommend;
using Toutiao.Reco.Storage;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContentRoot.Resolve() });

builder.AddServiceDefaults();
builder.AddToutiaoRedis();
builder.AddMySqlDataSource("toutiao");

// Plaintext gRPC needs HTTP/2 with prior knowledge: without TLS there is no ALPN to negotiate it.
builder.WebHost.ConfigureKestrel(kestrel =>
    kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));

builder.Services.AddGrpc(options => options.Interceptors.Add<StorageFailureInterceptor>());
builder.AddRecommendation();

var app = builder.Build();

app.MapGrpcService<UserRecommendService>();
app.MapGet("/", () => "Toutiao.Reco speaks gRPC (service UserRecommend) on this port.");
app.MapDefaultEndpoints();

app.Run();
