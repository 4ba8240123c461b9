using Toutiao.AppHost.Hosting;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddRedis("redis");

var mysql = builder.AddMySql("mysql")
                   .AddDatabase("toutiao")
                   .WithInitializer("../Toutiao.Web", "initialize-database");

var reco = builder.AddProject("reco", "../Toutiao.Reco")
                  .WithHttpEndpoint(port: 5090, http2: true)
                  .WithReplicas(builder.Configuration.GetValue("Replicas:reco", 1))
                  .WithReference(redis)
                  .WithReference(mysql)
                  .WaitFor(redis)
                  .WaitFor(mysql);

builder.AddProject("web", "../Toutiao.Web")
       .WithHttpEndpoint(port: 5080)
       .WithReference(reco)
       .WithReference(redis)
       .WithReference(mysql)
       .WaitFor(reco);

try
{
    return await builder.Build().RunAsync();
}
catch (DistributedApplicationException ex)
{
    // A missing package or a busy port is explained, not dumped as a stack trace.
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
