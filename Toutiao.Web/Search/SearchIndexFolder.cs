using System.Diagnostics;
using System.Globalization;

namespace Toutiao.Web.Search;

/// <summary>
/// This process' folder for the search index, <c>&lt;root&gt;/&lt;machine&gt;-&lt;pid&gt;</c>: replicas
/// on one machine share the root, never a folder (Lucene's write lock). Claiming one removes the
/// folders of this machine's processes that are gone, so crashes leave nothing behind for long;
/// disposing removes this one.
/// </summary>
public sealed class SearchIndexFolder : IDisposable
{
    private SearchIndexFolder(string path) => Path = path;

    public string Path { get; }

    public static SearchIndexFolder Claim(string root)
    {
        var machine = Environment.MachineName;
        System.IO.Directory.CreateDirectory(root);
        foreach (var folder in System.IO.Directory.EnumerateDirectories(root, machine + "-*"))
        {
            if (long.TryParse(System.IO.Path.GetFileName(folder)[(machine.Length + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && !IsRunning(pid))
            {
                TryDelete(folder);
            }
        }

        var path = System.IO.Path.Combine(root, $"{machine}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}");
        TryDelete(path);
        System.IO.Directory.CreateDirectory(path);
        return new SearchIndexFolder(path);
    }

    public void Dispose() => TryDelete(Path);

    private static bool IsRunning(long pid)
    {
        try
        {
            using var process = Process.GetProcessById(checked((int)pid));
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (System.IO.Directory.Exists(folder))
            {
                System.IO.Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Busy or gone: the next claim tries again.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
