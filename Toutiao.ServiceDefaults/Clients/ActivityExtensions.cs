using System.Diagnostics;

namespace Toutiao.ServiceDefaults.Clients;

public static class ActivityExtensions
{
    /// <summary>Marks a span failed: error status, <c>error.type</c>, and the exception as an event.</summary>
    public static void RecordFailure(this Activity activity, Exception exception)
    {
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.AddException(exception);
    }
}
