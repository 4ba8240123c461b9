using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddRedisServer("redis");

var toutiao = builder.AddMySqlServer("mysql")
                     .AddDatabase("toutiao");

// Schema and demo data, once per start, before anything reads them.
var initializer = builder.AddDatabaseInitializer<Projects.Toutiao_Web>("toutiao-init", "initialize-database")
                         .WithReference(toutiao)
                         .WaitFor(toutiao);

var reco = builder.AddProject<Projects.Toutiao_Reco>("reco")
                  .WithReplicas(builder.Configuration.GetValue("Replicas:reco", 1))
                  .WithH2cHealthCheck("/health")
                  .WithReference(redis)
                  .WithReference(toutiao)
                  .WaitFor(redis)
                  .WaitForCompletion(initializer);

builder.AddProject<Projects.Toutiao_Web>("web")
       .WithHttpHealthCheck("/health")
       .WithReference(reco)
       .WithReference(redis)
       .WithReference(toutiao)
       .WaitFor(reco)
       .WaitForCompletion(initializer);

try
{
    builder.Build().Run();
    return 0;
}
catch (Exception ex) when (ex.GetBaseException() is DistributedApplicationException failure)
{
    // A missing server package is one sentence, not a stack trace (events wrap it in an AggregateException).
    Console.Error.WriteLine($"error: {failure.Message}");
    return 1;
}
