using Toutiao.Contracts.Storage;

namespace Toutiao.Web.Http;

/// <summary>
/// What a failed request answers: the one mapping from an exception to a status and a message, used
/// by <see cref="ApiExceptionHandler"/>; <see cref="ApiMetricsMiddleware"/> counts the status it wrote,
/// so what the client gets and what ops count cannot disagree.
/// </summary>
public static class ApiFailure
{
    /// <summary>nginx's "client closed request": nobody reads it, but logs and metrics tell it apart from a failure.</summary>
    public const int ClientClosedRequest = 499;

    public static (int Status, string Message) Of(Exception exception, CancellationToken requestAborted) => exception switch
    {
        OperationCanceledException when requestAborted.IsCancellationRequested => (ClientClosedRequest, "The client closed the request."),
        ApiException api => (api.StatusCode, api.Message),
        BadHttpRequestException bad => (bad.StatusCode, "The request is malformed."),
        // A storage call's own timeout cancelling it is the storage's doing too.
        _ when StorageFailures.IsStorageFailure(exception) || exception is OperationCanceledException
            => (StatusCodes.Status503ServiceUnavailable, "Storage is temporarily unavailable."),
        _ => (StatusCodes.Status500InternalServerError, "Internal server error."),
    };
}
