namespace Toutiao.Contracts.Storage;

/// <summary>
/// A storage server did not answer within the call's share of the request's budget, or its circuit
/// is open after recent failures: the caller answers degraded or with a fast 503, as for any other
/// storage failure (<see cref="StorageFailures"/>).
/// </summary>
public sealed class StorageUnavailableException(string server, bool isRedis, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    /// <summary>The guarded server's name (<c>cache</c>, <c>state</c>, <c>mysql</c>).</summary>
    public string Server { get; } = server;

    public bool IsRedis { get; } = isRedis;
}
