using StackExchange.Redis;
using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.AppHost.Hosting;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port with a generated password, or, when
/// <c>ConnectionStrings:{name}</c> is configured, that server instead (nothing is started).
/// Health is PING.
/// </summary>
public sealed class RedisResource(string name, string? externalConnectionString) : Resource(name), IResourceWithConnectionString
{
    private readonly string _password = OrchestrationContext.NewSecret();
    private IConnectionMultiplexer? _probe;
    private int? _port;

    public override string Type => IsExternal ? "Redis (external)" : "Redis";

    public bool IsExternal => externalConnectionString is not null;

    public string? ConnectionString => externalConnectionString ?? (_port is { } port ? $"127.0.0.1:{port},password={_password}" : null);

    internal override void Preflight()
    {
        if (!IsExternal)
        {
            Binaries.Find("redis-server", "redis-server");
        }
    }

    internal override async Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            instance.Url = "(external connection string)";
            return;
        }

        var binary = Binaries.Find("redis-server", "redis-server");
        var directory = Path.Combine(context.StateDirectory, Name);
        Directory.CreateDirectory(directory);
        var port = Ports.Free();
        instance.Process = ManagedProcess.Start(binary,
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--requirepass", _password, "--protected-mode", "yes",
            // A cache: nothing is persisted, restarts start empty.
            "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no",
        ], instance.Console);
        instance.Port = port;
        instance.Url = $"tcp://127.0.0.1:{port}";
        _port = port;
        await Task.CompletedTask;
    }

    internal override async Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        if (_probe is null)
        {
            var options = ConfigurationOptions.Parse(ConnectionString!);
            options.AbortOnConnectFail = false;
            options.ConnectTimeout = 2000;
            _probe = await ConnectionMultiplexer.ConnectAsync(options);
        }

        await _probe.GetDatabase().PingAsync().WaitAsync(cancellationToken);
        return _probe.IsConnected;
    }

    internal override async Task StopAsync(ResourceInstance instance, TimeSpan grace)
    {
        _probe?.Dispose();
        _probe = null;
        await base.StopAsync(instance, grace);
    }
}
