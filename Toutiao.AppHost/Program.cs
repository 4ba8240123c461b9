var builder = DistributedApplication.CreateBuilder(args);

// The app model (Toutiao.Hosting): Redis, MariaDB, the database initializer, Reco and Web.
builder.AddToutiao<Projects.Toutiao_Web, Projects.Toutiao_Reco>();

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
