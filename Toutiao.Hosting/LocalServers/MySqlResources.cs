using MySqlConnector;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>A MySQL-protocol server: a local <c>mariadbd</c> in run mode, a container in publish mode.</summary>
public interface IMySqlServerResource : IResourceWithConnectionString
{
    EndpointReference PrimaryEndpoint { get; }

    ParameterResource PasswordParameter { get; }
}

internal static class MySqlServer
{
    public const string PrimaryEndpointName = "tcp";
    public const string UserName = "root";

    /// <summary>The account read replicas log in to the primary with (REPLICATION SLAVE only).</summary>
    public const string ReplicationUserName = "replicator";

    /// <summary>The shape of Aspire's <c>MySqlServerResource</c> connection string, so clients see no difference.</summary>
    public static ReferenceExpression ConnectionString(IMySqlServerResource server) => ReferenceExpression.Create(
        $"Server={server.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={server.PrimaryEndpoint.Property(EndpointProperty.Port)};User ID={UserName};Password={server.PasswordParameter}");
}

/// <summary>
/// A real <c>mariadbd</c> (MariaDB speaks the MySQL protocol) started by DCP as a process, with its
/// own data directory created by <c>mariadb-install-db</c> on first run and kept between runs.
/// </summary>
public sealed class MariaDbServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IMySqlServerResource
{
    public EndpointReference PrimaryEndpoint => new(this, MySqlServer.PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public string DataDirectory => Path.Combine(WorkingDirectory, "data");

    /// <summary>Rewritten before every start: sets the password and creates the databases (owner-only).</summary>
    public string InitFile => Path.Combine(WorkingDirectory, "init.sql");

    /// <summary>Unix socket paths are limited to about 100 bytes (not characters); a deep directory gets one under /tmp.</summary>
    public string Socket
    {
        get
        {
            var socket = Path.Combine(WorkingDirectory, "mysqld.sock");
            return System.Text.Encoding.UTF8.GetByteCount(socket) < 100
                ? socket
                : Path.Combine(Path.GetTempPath(), $"toutiao-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(socket)))[..12]}.sock");
        }
    }

    public List<MySqlDatabaseResource> Databases { get; } = [];

    /// <summary>
    /// Set when read replicas follow this server (<see cref="MySqlReadReplicaExtensions"/>): it then
    /// writes a binary log and has the replication account, whose password this is.
    /// </summary>
    public ParameterResource? ReplicationPassword { get; set; }

    public ReferenceExpression ConnectionStringExpression => MySqlServer.ConnectionString(this);
}

/// <summary>The MySQL server of the deployment manifest: the official MariaDB image.</summary>
public sealed class MariaDbContainerResource(string name, ParameterResource password) : ContainerResource(name), IMySqlServerResource
{
    public EndpointReference PrimaryEndpoint => new(this, MySqlServer.PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression => MySqlServer.ConnectionString(this);
}

/// <summary>A database on a MySQL server; its connection string is the server's plus <c>Database=</c>.</summary>
public sealed class MySqlDatabaseResource(string name, string databaseName, IMySqlServerResource parent)
    : Resource(name), IResourceWithParent<IMySqlServerResource>, IResourceWithConnectionString
{
    public IMySqlServerResource Parent { get; } = parent;

    public string DatabaseName { get; } = databaseName;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Parent};{new MySqlConnectionStringBuilder { Database = DatabaseName }.ConnectionString}");

    /// <summary>The accounts of this database, each allowed only its <see cref="MySqlUserResource.Privileges"/> on it.</summary>
    public List<MySqlUserResource> Users { get; } = [];
}

/// <summary>
/// An account that may do only <see cref="Privileges"/> on one database (a service's DML, a reader's
/// SELECT): what a service connects as instead of root. Its connection string is the database's with
/// this account's name and password.
/// </summary>
public sealed class MySqlUserResource(string name, string userName, IReadOnlyList<string> privileges, MySqlDatabaseResource database, ParameterResource password)
    : Resource(name), IResourceWithParent<MySqlDatabaseResource>, IResourceWithConnectionString
{
    public MySqlDatabaseResource Parent { get; } = database;

    /// <summary>The account's name on the server (MariaDB allows 80 characters).</summary>
    public string UserName { get; } = userName;

    /// <summary>What the account may do on <see cref="Parent"/>'s tables, e.g. <c>SELECT</c>, <c>INSERT</c>.</summary>
    public IReadOnlyList<string> Privileges { get; } = privileges;

    public ParameterResource PasswordParameter { get; } = password;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Server={Parent.Parent.PrimaryEndpoint.Property(EndpointProperty.Host)};Port={Parent.Parent.PrimaryEndpoint.Property(EndpointProperty.Port)};{new MySqlConnectionStringBuilder { UserID = UserName }.ConnectionString};Password={PasswordParameter};{new MySqlConnectionStringBuilder { Database = Parent.DatabaseName }.ConnectionString}");
}
