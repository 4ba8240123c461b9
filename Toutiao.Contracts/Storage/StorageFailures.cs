using System.Data.Common;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Toutiao.Contracts.Storage;

/// <summary>
/// The one answer to "is this a storage failure?": Redis refusing (OOM, READONLY) or unreachable,
/// MySQL down or slow, a socket or a storage call's own timeout. All are the dependency's doing,
/// none the client's, and all are retryable: Web answers them with a degraded page or a 503, Reco
/// with <c>UNAVAILABLE</c>.
/// </summary>
public static class StorageFailures
{
    /// <summary>Redis alone: where a page can still be read from MySQL.</summary>
    public static bool IsRedisFailure(Exception exception)
        => exception is RedisException or RedisTimeoutException;

    public static bool IsStorageFailure(Exception exception)
        => IsRedisFailure(exception) || exception is DbException or SocketException or TimeoutException;
}
