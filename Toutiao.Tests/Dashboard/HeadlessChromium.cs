using System.Diagnostics;

namespace Toutiao.Tests.Dashboard;

/// <summary>
/// Debian's Chromium, headless, one page load per call: the DOM after the page's scripts ran
/// (virtual time lets its fetches finish) or a screenshot. Each call has a fresh profile, so it
/// starts logged out.
/// </summary>
public static class HeadlessChromium
{
    public static string Binary => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is needed for the dashboard tests: apt-get install -y chromium");

    public static async Task<string> DumpDomAsync(string url)
        => (await RunAsync(url, "--dump-dom")).Output;

    public static async Task ScreenshotAsync(string url, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await RunAsync(url, $"--screenshot={Path.GetFullPath(path)}", "--window-size=1500,900");
        Assert.True(File.Exists(path), $"no screenshot of {url}");
    }

    private static async Task<(string Output, string Errors)> RunAsync(string url, params string[] arguments)
    {
        var profile = Directory.CreateTempSubdirectory("toutiao-chromium-").FullName;
        try
        {
            var info = new ProcessStartInfo(Binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
                     {
                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         $"--user-data-dir={profile}", "--virtual-time-budget=6000",
                     }.Concat(arguments).Append(url))
            {
                info.ArgumentList.Add(argument);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            return (await output, await errors);
        }
        finally
        {
            try
            {
                Directory.Delete(profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still hold a file for a moment.
            }
        }
    }
}
