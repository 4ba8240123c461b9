namespace Toutiao.Web.Database;

/// <summary>
/// <c>Toutiao.Web initialize-database [--demo-data] [settings]</c>: creates the schema (and runs
/// <c>migrate.sql</c>) against <c>ConnectionStrings:toutiao</c> (appsettings, environment or
/// <c>--ConnectionStrings:toutiao=...</c>) and exits. The demo users and articles only with
/// <c>--demo-data</c>: the AppHost passes it when it runs the app, a deployment does not.
/// </summary>
public static class DatabaseCommand
{
    public const string Name = "initialize-database";
    public const string DemoDataFlag = "--demo-data";

    /// <summary>Whether the demo data was asked for, and the settings without the flag.</summary>
    public static (bool DemoData, string[] Settings) Parse(string[] arguments)
        => (arguments.Contains(DemoDataFlag, StringComparer.Ordinal), arguments.Where(a => a != DemoDataFlag).ToArray());

    /// <summary>Runs the command with the settings that follow its name, read as Web reads its own.</summary>
    public static async Task<int> RunAsync(string[] arguments)
    {
        var (demoData, settings) = Parse(arguments);
        var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings, ContentRootPath = AppContentRoot.Resolve() }).Configuration;
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
        var logger = loggerFactory.CreateLogger("Toutiao.Web.Database");

        var connectionString = configuration.GetConnectionString("toutiao");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            logger.LogError("ConnectionStrings:toutiao is not set; nothing to initialize.");
            return 2;
        }

        try
        {
            if (demoData)
            {
                await ToutiaoDatabaseInitializer.InitializeAsync(connectionString, logger);
            }
            else
            {
                await ToutiaoDatabaseInitializer.CreateSchemaAsync(connectionString);
                logger.LogInformation("Created the schema; no demo data (pass {Flag} for it)", DemoDataFlag);
            }

            return 0;
        }
        catch (MySqlConnector.MySqlException ex)
        {
            logger.LogError("Initializing the database failed: {Reason}", ex.Message);
            return 1;
        }
    }
}
