namespace Toutiao.AppHost.Hosting.Orchestration;

/// <summary>Finds the server programs the AppHost runs, with an install hint when one is missing.</summary>
public static class Binaries
{
    public static string Find(string name, string debianPackage)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin"]);
        return directories.Where(d => d.Length > 0).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists)
            ?? throw new DistributedApplicationException(
                $"'{name}' was not found on this machine. Install it with: sudo apt-get install -y {debianPackage}");
    }
}
