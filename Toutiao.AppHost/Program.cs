var builder = DistributedApplication.CreateBuilder(args);

// The app model (Toutiao.Hosting): Redis, MariaDB, the database initializer, Reco and Web.
builder.AddToutiao<Projects.Toutiao_Web, Projects.Toutiao_Reco>();

return builder.BuildAndRun();
