using System.Data.Common;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Toutiao.Contracts.Storage;

/// <summary>
/// The one answer to "is this a storage failure?": Redis refusing (OOM, READONLY) or unreachable,
/// MySQL down or slow, a socket or a storage call's own timeout, a call out of its share of the
/// request's budget or held back by an open circuit (<see cref="StorageGuard"/>). All are the dependency's doing,
/// none the client's, and all are retryable: Web answers them with a degraded page or a 503, Reco
/// with <c>UNAVAILABLE</c>.
/// </summary>
public static class StorageFailures
{
    /// <summary>
    /// Redis unreachable, slow, or refusing (OOM, READONLY): what a degraded answer may stand in for.
    /// A command error (a bug of ours) is not among them.
    /// </summary>
    public static bool IsRedisFailure(Exception exception)
        => exception is RedisConnectionException or RedisTimeoutException or RedisServerException or StorageUnavailableException { IsRedis: true };

    public static bool IsStorageFailure(Exception exception)
        => IsRedisFailure(exception) || exception is DbException or SocketException or TimeoutException or StorageUnavailableException;
}
