using Microsoft.Extensions.Configuration;

namespace Toutiao.Web.Database;

/// <summary>
/// <c>Toutiao.Web initialize-database [--ConnectionStrings:toutiao=...]</c>: runs the initializer
/// against <c>ConnectionStrings:toutiao</c> (environment, user configuration or arguments) and exits.
/// </summary>
public static class DatabaseCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true));
        var logger = loggerFactory.CreateLogger("Toutiao.Web.Database");

        var connectionString = configuration.GetConnectionString("toutiao");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            logger.LogError("ConnectionStrings:toutiao is not set; nothing to initialize.");
            return 2;
        }

        await ToutiaoDatabaseInitializer.InitializeAsync(connectionString, logger);
        return 0;
    }
}
