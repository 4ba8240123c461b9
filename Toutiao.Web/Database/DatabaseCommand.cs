namespace Toutiao.Web.Database;

/// <summary>
/// <c>Toutiao.Web initialize-database</c>: runs the initializer against
/// <c>ConnectionStrings:toutiao</c> (appsettings, environment or <c>--ConnectionStrings:toutiao=...</c>) and exits.
/// </summary>
public static class DatabaseCommand
{
    public const string Name = "initialize-database";

    /// <summary>Runs the command with the settings that follow its name, read as Web reads its own.</summary>
    public static async Task<int> RunAsync(string[] settings)
    {
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
            await ToutiaoDatabaseInitializer.InitializeAsync(connectionString, logger);
            return 0;
        }
        catch (MySqlConnector.MySqlException ex)
        {
            logger.LogError("Initializing the database failed: {Reason}", ex.Message);
            return 1;
        }
    }
}
