using Microsoft.Extensions.Options;
using MySqlConnector;
using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Database;

public static class DatabaseExtensions
{
    /// <summary>
    /// Redis (state and cache), MySQL and its optional read replica, and a guard for each server
    /// (a call's share of the request's budget, a circuit): a Redis call normally takes a
    /// millisecond, so 500 ms is a sick server (or one stuck behind a bulk load); a MySQL call may load a page of rows.
    /// </summary>
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.AddToutiaoRedis();
        builder.AddMySqlDataSource("toutiao");
        builder.Services.AddStorageGuard(RedisConnections.State, isRedis: true);
        builder.Services.AddStorageGuard(RedisConnections.Cache, isRedis: true);
        builder.Services.AddStorageGuard(StorageGuardExtensions.MySql, isRedis: false, o => (o.Cap, o.Share) = (TimeSpan.FromSeconds(1), 0.8));
        return builder.AddReadReplica();
    }

    /// <summary>
    /// Registers <see cref="ReadReplica"/>: with <c>ConnectionStrings:toutiao-replica</c> it probes
    /// and uses the replica, without it every read goes to the primary as before.
    /// </summary>
    private static IHostApplicationBuilder AddReadReplica(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReadReplicaOptions>().BindConfiguration(ReadReplicaOptions.SectionName)
            .Validate(o => o.ProbeInterval > TimeSpan.Zero, "ReadReplica:ProbeInterval must be positive.").ValidateOnStart();
        builder.Services.AddSingleton(services =>
        {
            var connectionString = services.GetRequiredService<IConfiguration>().GetConnectionString(ReadReplica.ConnectionName);
            var replica = string.IsNullOrWhiteSpace(connectionString) ? null : new MySqlDataSource(WithReplicaDefaults(connectionString));
            return new ReadReplica(services.GetRequiredService<MySqlDataSource>(), replica, services.GetRequiredService<IOptions<ReadReplicaOptions>>(),
                services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetRequiredService<ILogger<ReadReplica>>());
        });
        builder.Services.AddHostedService(services => services.GetRequiredService<ReadReplica>());
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ReadReplica.ConnectionName)))
        {
            builder.Services.AddHealthChecks().AddCheck<ReadReplica>(ReadReplica.ConnectionName);
        }

        return builder;
    }

    /// <summary>
    /// A replica that has not answered within a second costs more than the primary would: DCP's
    /// proxy accepts connections for a stopped server and never answers them, so the connect
    /// timeout is what a read pays before it turns to the primary. Values in the connection string win.
    /// </summary>
    private static string WithReplicaDefaults(string connectionString)
        => connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase)
            ? connectionString
            : new MySqlConnectionStringBuilder(MySqlClientExtensions.WithFailFastDefaults(connectionString)) { ConnectionTimeout = 1 }.ConnectionString;
}
