// ./toutiao bench (bench.sh beside this file): the production app model (Toutiao.Hosting), and the
// same pair of Reco and Web again without telemetry export, for traced vs untraced in one run.
var builder = DistributedApplication.CreateBuilder(args);

var toutiao = builder.AddToutiao<Projects.Toutiao_Web, Projects.Toutiao_Reco>();
builder.AddUntracedCopies<Projects.Toutiao_Web, Projects.Toutiao_Reco>(toutiao);

return builder.BuildAndRun();
