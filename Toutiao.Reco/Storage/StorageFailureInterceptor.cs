using Grpc.Core;
using Grpc.Core.Interceptors;
using Toutiao.Contracts.Storage;

namespace Toutiao.Reco.Storage;

/// <summary>
/// Turns Redis or MySQL being down into <c>UNAVAILABLE</c>, which clients know they may retry,
/// instead of the <c>UNKNOWN</c> an unhandled exception would give; and gives the call's storage
/// round trips the call's deadline as their budget (<see cref="RequestBudget"/>).
/// </summary>
public sealed partial class StorageFailureInterceptor(ILogger<StorageFailureInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        using var budget = RequestBudget.Begin(context.Deadline);
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (StorageFailures.IsStorageFailure(ex))
        {
            LogStorageUnavailable(context.Method, ex);
            throw new RpcException(new Status(StatusCode.Unavailable, "Recommendation storage is unavailable.", ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storage unavailable while serving {Method}")]
    private partial void LogStorageUnavailable(string method, Exception exception);
}
