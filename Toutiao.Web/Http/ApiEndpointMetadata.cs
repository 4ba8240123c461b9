namespace Toutiao.Web.Http;

/// <summary>Marks the API's endpoints (<see cref="HttpApiExtensions.MapApi"/>): the ones <see cref="ApiMetricsMiddleware"/> measures.</summary>
public sealed class ApiEndpointMetadata
{
    public static readonly ApiEndpointMetadata Instance = new();

    private ApiEndpointMetadata()
    {
    }
}
