using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Toutiao.AppHost.Hosting;

/// <summary>A resource being declared, for the fluent <c>With...</c> and <c>WaitFor</c> calls.</summary>
public interface IResourceBuilder<out T> where T : Resource
{
    T Resource { get; }

    DistributedApplicationBuilder ApplicationBuilder { get; }
}

internal sealed record ResourceBuilder<T>(T Resource, DistributedApplicationBuilder ApplicationBuilder) : IResourceBuilder<T>
    where T : Resource;

/// <summary>
/// Declares the application model: which resources exist and how they refer to each other.
/// Configuration comes from appsettings.json of the AppHost project, user secrets, the
/// environment and the command line, as for any ASP.NET Core app.
/// </summary>
public sealed class DistributedApplicationBuilder
{
    private readonly List<Resource> _resources = [];

    internal DistributedApplicationBuilder(string[] args)
    {
        AppHostDirectory = typeof(DistributedApplicationBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value is { } directory && Directory.Exists(directory)
            ? directory
            : AppContext.BaseDirectory;

        Host = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppHostDirectory,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT")
                              ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT")
                              ?? "Development",
        });
        Host.Logging.ClearProviders();
        Host.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss ";
        });
    }

    /// <summary>The AppHost project's directory: relative project paths start here.</summary>
    public string AppHostDirectory { get; }

    public IConfigurationManager Configuration => Host.Configuration;

    public IReadOnlyList<Resource> Resources => _resources;

    /// <summary>The web host of the dashboard and the telemetry endpoints.</summary>
    internal WebApplicationBuilder Host { get; }

    public IResourceBuilder<T> AddResource<T>(T resource) where T : Resource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new DistributedApplicationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    public DistributedApplication Build() => new(this);
}
