namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A real <c>redis-server</c> started by DCP as a process, for machines without a container
/// runtime. Its connection string has the shape of Aspire's <c>RedisResource</c>:
/// <c>host:port,password=...</c>.
/// </summary>
public sealed class RedisServerResource(string name, string command, string dataDirectory, ParameterResource password)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    internal const string PrimaryEndpointName = "tcp";

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public ParameterResource PasswordParameter { get; } = password;

    /// <summary>Data and the append-only file live here, kept between runs.</summary>
    public string DataDirectory => WorkingDirectory;

    public string ConfigFile => Path.Combine(DataDirectory, "redis.conf");

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{PrimaryEndpoint.Property(EndpointProperty.HostAndPort)},password={PasswordParameter}");
}
