using System.Diagnostics;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// Counts the SQL commands MySqlConnector executes in this process on one server as one account
/// while it lives, through MySqlConnector's own activity source: independent of the code under
/// test. One server, because the systems of other test collections run in this process at the same
/// time; one account, because Web and Reco run in it too, each as its own (Reco reloading its
/// candidates beside a page is not the page's work); and only commands made inside an operation
/// (a request, a cache read), not the root commands of background work such as the search index's
/// look every second.
/// </summary>
public sealed class MySqlCommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly List<string> _statements = [];

    /// <param name="port">The server's port, as the connection strings name it.</param>
    /// <param name="user">The account whose commands count (<see cref="ToutiaoFixture.WebMySqlUser"/>).</param>
    public MySqlCommandCounter(int port, string user)
    {
        var serverPort = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MySqlConnector",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (Convert.ToString(activity.GetTagItem("server.port") ?? activity.GetTagItem("net.peer.port"), System.Globalization.CultureInfo.InvariantCulture) != serverPort
                    || activity.ParentSpanId == default
                    || activity.GetTagItem("db.user") as string != user)
                {
                    return;
                }

                if (activity.OperationName.Contains("Execute", StringComparison.OrdinalIgnoreCase) || activity.SqlStatement() is not null)
                {
                    lock (_statements)
                    {
                        _statements.Add(activity.SqlStatement() ?? activity.DisplayName);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public IReadOnlyList<string> Statements
    {
        get { lock (_statements) { return _statements.ToList(); } }
    }

    public void Dispose() => _listener.Dispose();
}

public static class SqlActivityExtensions
{
    /// <summary>The SQL a MySqlConnector span ran, under the current or the older semantic convention.</summary>
    public static string? SqlStatement(this Activity activity)
        => (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) as string;
}
