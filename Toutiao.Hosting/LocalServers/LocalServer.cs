using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// What the servers that run as plain processes here (no container runtime) share: finding their
/// binary, a data directory kept between runs, and files that hold a secret.
/// </summary>
internal static class LocalServer
{
    /// <summary>Where data directories go: <c>AppHost:DataDirectory</c>, default <c>.toutiao/</c> beside the solution (git-ignored).</summary>
    public static string DataDirectory(IDistributedApplicationBuilder builder, string resourceName)
    {
        var root = builder.Configuration["AppHost:DataDirectory"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(builder.AppHostDirectory, "..", ".toutiao");
        return Path.GetFullPath(Path.Combine(root, resourceName));
    }

    /// <summary>
    /// The full path of <paramref name="binary"/>. When it is missing, starting the app fails before
    /// anything runs with one sentence naming the Debian package that brings it.
    /// </summary>
    public static string RequireBinary(IDistributedApplicationBuilder builder, string binary, string package)
    {
        if (FindBinary(binary) is { } path)
        {
            return path;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>((_, _) => throw MissingBinary(binary, package));
        return binary;
    }

    private static DistributedApplicationException MissingBinary(string binary, string package) => new(
        $"{binary} was not found: install the Debian package {package} (apt-get install {package}), or start with ./toutiao run, which installs it.");

    /// <summary>On PATH, or where Debian puts servers (<c>/usr/sbin</c> is not on every user's PATH).</summary>
    private static string? FindBinary(string binary)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"])
            .Select(directory => Path.Combine(directory, binary))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Creates a server's directory readable by its owner only: it holds the data (an append-only
    /// file with pending login codes, say) and files with passwords.
    /// </summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // An existing directory keeps its mode: tighten it either way.
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Writes a file only its owner can read: it carries a password that must stay off command lines.</summary>
    public static async Task WriteSecretFileAsync(string path, string contents, CancellationToken cancellationToken)
    {
        CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        // A new file is created with the owner-only mode, so the secret is never readable by others,
        // not even for a moment (an existing file would keep its old mode).
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(contents.AsMemory(), cancellationToken);
    }

    /// <summary>A value as a double-quoted string of a Redis-style config file.</summary>
    public static string ConfigQuoted(string value)
        => value.Any(char.IsControl)
            ? throw new DistributedApplicationException("A Redis setting may not contain control characters (a newline would start a new directive).")
            : "\"" + value.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>
    /// The server's TCP endpoint on <paramref name="port"/>, listened on by the server itself: DCP's
    /// proxy in front of it costs CPU on every call. When the port is 0, or ports are randomized
    /// (the tests: several AppHosts at once), a free port behind the proxy, which keeps it across a
    /// restart of the server.
    /// </summary>
    public static IResourceBuilder<T> WithServerEndpoint<T>(this IResourceBuilder<T> server, string name, int port) where T : IResourceWithEndpoints
        => port > 0 && !server.ApplicationBuilder.Configuration.GetValue("DcpPublisher:RandomizePorts", false)
            ? server.WithEndpoint(port: port, targetPort: port, name: name, scheme: "tcp", isProxied: false)
            : server.WithEndpoint(name: name, scheme: "tcp");

    /// <summary>
    /// DCP gives a child resource its parent's state only when the parent is a container; under an
    /// executable parent the child would never leave "Starting" and <c>WaitFor(child)</c> would hang.
    /// </summary>
    public static IResourceBuilder<T> WithStateOfParent<T>(this IResourceBuilder<T> child) where T : IResourceWithParent
        => child.OnInitializeResource(async (resource, @event, cancellationToken) =>
        {
            await foreach (var update in @event.Notifications.WatchAsync(cancellationToken))
            {
                if (update.Resource == resource.Parent)
                {
                    await @event.Notifications.PublishUpdateAsync(resource, snapshot => snapshot with
                    {
                        State = update.Snapshot.State,
                        StartTimeStamp = update.Snapshot.StartTimeStamp,
                        StopTimeStamp = update.Snapshot.StopTimeStamp,
                    });
                }
            }
        });
}
