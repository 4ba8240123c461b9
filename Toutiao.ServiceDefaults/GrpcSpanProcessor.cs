using System.Diagnostics;
using OpenTelemetry;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Gives gRPC spans, client and server, the attributes ops query by: <c>rpc.system</c>,
/// <c>rpc.service</c>, <c>rpc.method</c> and the numeric <c>rpc.grpc.status_code</c>, and names
/// them after the RPC (<c>UserRecommend/user_recommend</c>) instead of <c>POST /UserRecommend/...</c>.
/// The raw material is already on the spans: the gRPC client instrumentation writes the newer
/// <c>rpc.system.name</c>, <c>rpc.method</c> ("Service/Method") and <c>rpc.response.status_code</c>
/// ("OK", "UNAVAILABLE"); Grpc.AspNetCore writes <c>grpc.method</c> ("/Service/Method") and
/// <c>grpc.status_code</c> on the server's request span. This derives the conventional set from either.
/// </summary>
public sealed class GrpcSpanProcessor : BaseProcessor<Activity>
{
    // What a server reports as its own failure; the others are the caller's (semantic conventions).
    private static readonly HashSet<int> ServerErrors = [2, 4, 12, 13, 14, 15];

    private static readonly Dictionary<string, int> StatusCodes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["OK"] = 0,
        ["CANCELLED"] = 1,
        ["UNKNOWN"] = 2,
        ["INVALID_ARGUMENT"] = 3,
        ["DEADLINE_EXCEEDED"] = 4,
        ["NOT_FOUND"] = 5,
        ["ALREADY_EXISTS"] = 6,
        ["PERMISSION_DENIED"] = 7,
        ["RESOURCE_EXHAUSTED"] = 8,
        ["FAILED_PRECONDITION"] = 9,
        ["ABORTED"] = 10,
        ["OUT_OF_RANGE"] = 11,
        ["UNIMPLEMENTED"] = 12,
        ["INTERNAL"] = 13,
        ["UNAVAILABLE"] = 14,
        ["DATA_LOSS"] = 15,
        ["UNAUTHENTICATED"] = 16,
    };

    public override void OnEnd(Activity activity)
    {
        var fullMethod = activity.GetTagItem("grpc.method") as string
                         ?? (activity.GetTagItem("rpc.system.name") as string == "grpc" ? activity.GetTagItem("rpc.method") as string : null);
        if (fullMethod is null)
        {
            return;
        }

        activity.SetTag("rpc.system", "grpc");
        if (fullMethod.Trim('/').Split('/') is [var service, var method])
        {
            activity.DisplayName = $"{service}/{method}";
            activity.SetTag("rpc.service", service);
            activity.SetTag("rpc.method", method);
        }

        if (StatusCode(activity) is { } code)
        {
            activity.SetTag("rpc.grpc.status_code", code);
            var failed = activity.Kind == ActivityKind.Server ? ServerErrors.Contains(code) : code != 0;
            if (failed)
            {
                activity.SetStatus(ActivityStatusCode.Error, StatusCodes.FirstOrDefault(c => c.Value == code).Key);
            }
        }
    }

    private static int? StatusCode(Activity activity)
    {
        switch (activity.GetTagItem("grpc.status_code") ?? activity.GetTagItem("rpc.response.status_code"))
        {
            case int number:
                return number;
            case string text when int.TryParse(text, out var number):
                return number;
            case string name when StatusCodes.TryGetValue(name, out var number):
                return number;
            default:
                return null;
        }
    }
}
