// ./toutiao eval: the production app model (Toutiao.Hosting) with Reco's A/B buckets mapped to the
// evaluation's arms, and the reader simulator (Toutiao.Simulator) as a resource against Web. The
// AppHost stops itself when the simulator has finished and exits with its exit code.
var builder = DistributedApplication.CreateBuilder(args);

var toutiao = builder.AddToutiao<Projects.Toutiao_Web, Projects.Toutiao_Reco>();

// One map for both sides: Reco ranks by it, the simulator draws readers for each arm from it.
var buckets = EvaluationArms.Parse(builder.Configuration["Simulation:Buckets"] ?? EvaluationArms.Default);
foreach (var (digit, arm) in buckets)
{
    foreach (var reco in toutiao.RecoInstances)
    {
        reco.WithEnvironment($"Recommendation__Buckets__{digit:x}", arm);
    }
}

// Every simulated reader calls from 127.0.0.1 and says which client it is in X-Forwarded-For, as a
// proxy in front of Web would: per-client limits and counts see 240 phones, not one.
toutiao.Web.WithEnvironment("TrustedProxies__Addresses__0", "127.0.0.1")
           // The same catalogue for every arm and every run: no newsroom.
           .WithEnvironment("Demo__PublishInterval", "00:00:00")
           // Simulated days are compressed: a reader pages far faster than a person could.
           .WithEnvironment("RateLimits__ReadsPerReaderPerMinute", "1000000");

// The click model is trained while the readers read (every 10 minutes in a deployment), so the
// profile arm is ranked by a model fitted on this run's own exposures: --Eval:TrainInterval=00:00:30.
// The trainer process fits it; Reco loads each new one within 2 s.
toutiao.Trainer.WithEnvironment("Ranking__TrainInterval", builder.Configuration["Eval:TrainInterval"] ?? "00:00:15");
foreach (var reco in toutiao.RecoInstances)
{
    reco.WithEnvironment("Ranking__ModelCheckInterval", "00:00:02");
}

var simulator = builder.AddProject<Projects.Toutiao_Simulator>("simulator")
    .WithReference(toutiao.Web)
    .WaitFor(toutiao.Web)
    // Only for the report's card of the served click model (/dev/click-model): the readers use Web alone.
    .WithReference(toutiao.Reco)
    .WithEnvironment("Simulation__Buckets", EvaluationArms.Format(buckets))
    .WithEnvironment("Simulation__Output", builder.Configuration["Simulation:Output"]
                                           ?? Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "docs", "evaluation")))
    .WithoutDevelopmentCertificate();

// The rest of the simulator's settings (--Simulation:Readers=90, --Simulation:Seed=7, ...) as given.
foreach (var setting in builder.Configuration.GetSection("Simulation").GetChildren())
{
    if (setting.Key is not ("Buckets" or "Output") && setting.Value is { } value)
    {
        simulator.WithEnvironment($"Simulation__{setting.Key}", value);
    }
}

return await builder.RunUntilFinishedAsync(simulator, toutiao);
