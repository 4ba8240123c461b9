using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Our stand-in for Aspire's MySqlConnector integration: a shared <see cref="MySqlDataSource"/> from
/// <c>ConnectionStrings:{name}</c>, with a health check that runs <c>SELECT 1</c>.
/// </summary>
public static class MySqlClientExtensions
{
    public static IHostApplicationBuilder AddMySqlDataSource(this IHostApplicationBuilder builder, string connectionName)
    {
        // Read when first resolved, not now: hosts and tests may still add configuration.
        builder.Services.AddSingleton(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(connectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException(
                    $"MySQL connection string 'ConnectionStrings:{connectionName}' is not configured.");
            }

            return new MySqlDataSource(WithFailFastDefaults(connectionString));
        });

        builder.Services.AddHealthChecks().AddCheck<MySqlHealthCheck>(connectionName, tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// MySqlConnector waits 15 s for a connection by default; a feed request should fail long before.
    /// Values given in the connection string win.
    /// </summary>
    public static string WithFailFastDefaults(string connectionString)
    {
        var csb = new MySqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
        {
            csb.ConnectionTimeout = 3;
            csb.DefaultCommandTimeout = 10;
        }

        return csb.ConnectionString;
    }

    private sealed class MySqlHealthCheck(MySqlDataSource dataSource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (MySqlException ex)
            {
                return HealthCheckResult.Unhealthy("MySQL is unreachable.", ex);
            }
        }
    }
}
