namespace Toutiao.Web.Database;

/// <summary>
/// <c>Toutiao.Web initialize-database</c>: runs the initializer against
/// <c>ConnectionStrings:toutiao</c> (appsettings, environment or <c>--ConnectionStrings:toutiao=...</c>) and exits.
/// </summary>
public static class DatabaseCommand
{
    public static async Task<int> RunAsync(IConfiguration configuration)
    {
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
