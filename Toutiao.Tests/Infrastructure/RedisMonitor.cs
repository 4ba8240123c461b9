using System.Net.Sockets;
using System.Text;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// Every command one Redis server runs while this lives, from every client, as its MONITOR prints
/// them: what a test that counts round trips shows when the count is off, so a failure says which
/// commands (and whose) it counted.
/// </summary>
public sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly Task _reading;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly int _expectedReplies;
    private int _replies;

    private RedisMonitor(TcpClient client, int expectedReplies)
    {
        _client = client;
        _expectedReplies = expectedReplies;
        _reading = ReadAsync(new StreamReader(client.GetStream(), Encoding.UTF8));
    }

    /// <param name="connectionString">A StackExchange.Redis connection string: its first endpoint is watched.</param>
    public static async Task<RedisMonitor> StartAsync(string connectionString)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(connectionString);
        var endpoint = (System.Net.DnsEndPoint)options.EndPoints[0];
        var client = new TcpClient();
        await client.ConnectAsync(endpoint.Host, endpoint.Port);
        // Inline commands: the password has no spaces (generated); the reply to AUTH is the first "+OK".
        var commands = options.Password is { Length: > 0 } password ? $"AUTH {password}\r\nMONITOR\r\n" : "MONITOR\r\n";
        await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes(commands));
        var monitor = new RedisMonitor(client, options.Password is { Length: > 0 } ? 2 : 1);
        // "+OK" first: from then on every command is printed.
        await monitor._started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return monitor;
    }

    /// <summary>The lines printed so far (after the first <paramref name="skip"/>).</summary>
    public List<string> Lines(int skip = 0)
    {
        lock (_lines)
        {
            return [.. _lines.Skip(skip)];
        }
    }

    public int Count
    {
        get { lock (_lines) { return _lines.Count; } }
    }

    private async Task ReadAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line == "+OK" && ++_replies == _expectedReplies && _started.TrySetResult())
                {
                    continue;
                }

                if (line.StartsWith('-'))
                {
                    _started.TrySetException(new InvalidOperationException($"MONITOR refused: {line}"));
                }

                lock (_lines)
                {
                    _lines.Add(line.Length > 200 ? line[..200] + "…" : line);
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            _started.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _client.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
