using Microsoft.Extensions.Configuration;

namespace Toutiao.AppHost.Hosting;

/// <summary>The Aspire-shaped vocabulary of the application model.</summary>
public static class ResourceBuilderExtensions
{
    /// <summary>A redis-server, or the server of <c>ConnectionStrings:{name}</c> when that is configured.</summary>
    public static IResourceBuilder<RedisResource> AddRedis(this DistributedApplicationBuilder builder, string name)
        => builder.AddResource(new RedisResource(name, builder.Configuration.GetConnectionString(name)));

    public static IResourceBuilder<MySqlServerResource> AddMySql(this DistributedApplicationBuilder builder, string name)
        => builder.AddResource(new MySqlServerResource(name));

    /// <summary>Where the server keeps its data (default: the AppHost state directory).</summary>
    public static IResourceBuilder<MySqlServerResource> WithDataDirectory(this IResourceBuilder<MySqlServerResource> server, string path)
    {
        server.Resource.DataDirectory = path;
        return server;
    }

    /// <summary>A database on the server, or the one of <c>ConnectionStrings:{name}</c> when that is configured.</summary>
    public static IResourceBuilder<MySqlDatabaseResource> AddDatabase(this IResourceBuilder<MySqlServerResource> server, string name, string? databaseName = null)
    {
        var database = new MySqlDatabaseResource(name, databaseName ?? name, server.Resource,
            server.ApplicationBuilder.Configuration.GetConnectionString(name));
        server.Resource.Databases.Add(database);
        if (!database.IsExternal)
        {
            database.WaitsFor.Add(server.Resource);
        }

        return server.ApplicationBuilder.AddResource(database);
    }

    /// <summary>Runs <c>{project} {arguments}</c> against the new database before it counts as Running (schema and data).</summary>
    public static IResourceBuilder<MySqlDatabaseResource> WithInitializer(this IResourceBuilder<MySqlDatabaseResource> database, string projectPath, params string[] arguments)
    {
        var project = new ProjectResource($"{database.Resource.Name}-initializer", ResolveProjectFile(database.ApplicationBuilder, projectPath));
        database.Resource.Initializer = (project, arguments);
        return database;
    }

    /// <summary>A project of this repository, by its directory or .csproj path relative to the AppHost project.</summary>
    public static IResourceBuilder<ProjectResource> AddProject(this DistributedApplicationBuilder builder, string name, string projectPath)
        => builder.AddResource(new ProjectResource(name, ResolveProjectFile(builder, projectPath)));

    public static IResourceBuilder<ExecutableResource> AddExecutable(this DistributedApplicationBuilder builder, string name, string command, string? workingDirectory, params string[] arguments)
        => builder.AddResource(new ExecutableResource(name, command, arguments, workingDirectory));

    /// <summary>Healthy only while <paramref name="url"/> answers 2xx, not merely while the process runs.</summary>
    public static IResourceBuilder<ExecutableResource> WithHttpHealthCheck(this IResourceBuilder<ExecutableResource> executable, string url)
    {
        executable.Resource.HealthCheckUrl = new Uri(url);
        return executable;
    }

    /// <summary>The project's HTTP port (replica i listens on port + i); <c>Ports:{name}</c> overrides it. <paramref name="http2"/>: plaintext HTTP/2 only, for gRPC.</summary>
    public static IResourceBuilder<ProjectResource> WithHttpEndpoint(this IResourceBuilder<ProjectResource> project, int? port = null, bool http2 = false)
    {
        project.Resource.HttpPort = port;
        project.Resource.Http2 = http2;
        return project;
    }

    public static IResourceBuilder<ProjectResource> WithReplicas(this IResourceBuilder<ProjectResource> project, int replicas)
    {
        if (replicas < 1)
        {
            throw new DistributedApplicationException($"'{project.Resource.Name}' needs at least one replica, not {replicas}.");
        }

        project.Resource.Replicas = replicas;
        return project;
    }

    /// <summary>Hands the connection string (<c>ConnectionStrings__{name}</c>) or the endpoints (<c>services__{name}__http__{i}</c>) of <paramref name="source"/> on.</summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> source) where T : Resource
    {
        builder.Resource.References.Add(source.Resource);
        return builder;
    }

    /// <summary>Holds this resource back until <paramref name="dependency"/> is Running and Healthy; fails it when the dependency fails.</summary>
    public static IResourceBuilder<T> WaitFor<T>(this IResourceBuilder<T> builder, IResourceBuilder<Resource> dependency) where T : Resource
    {
        builder.Resource.WaitsFor.Add(dependency.Resource);
        return builder;
    }

    public static IResourceBuilder<T> WithEnvironment<T>(this IResourceBuilder<T> builder, string name, string value) where T : Resource
    {
        builder.Resource.Environment[name] = value;
        return builder;
    }

    private static string ResolveProjectFile(DistributedApplicationBuilder builder, string projectPath)
    {
        var path = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, projectPath));
        if (File.Exists(path) && path.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
        {
            return path;
        }

        var projects = Directory.Exists(path) ? Directory.GetFiles(path, "*.csproj") : [];
        return projects.Length == 1
            ? projects[0]
            : throw new DistributedApplicationException($"No single .csproj found at '{path}'.");
    }
}
