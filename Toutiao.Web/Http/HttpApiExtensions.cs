using Microsoft.Extensions.Options;
using Toutiao.Contracts.Storage;
using Toutiao.Web.Articles;

namespace Toutiao.Web.Http;

public static class HttpApiExtensions
{
    /// <summary>The API's conventions: Toutiao JSON, the error envelope for every failure, trusted proxies, limits, CORS, metrics.</summary>
    public static IHostApplicationBuilder AddHttpApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options => ToutiaoJson.Configure(options.SerializerOptions));
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        builder.Services.AddProblemDetails();
        builder.Services.AddTrustedProxies();
        builder.Services.AddToutiaoRateLimits();
        builder.Services.AddSingleton<ApiMetrics>();
        builder.Services.AddOptions<RequestBudgetOptions>().BindConfiguration(RequestBudgetOptions.SectionName)
            .Validate(o => o.Length > TimeSpan.Zero, "RequestBudget:Length must be positive.").ValidateOnStart();
        return builder.AddCrossOrigin();
    }

    /// <summary>Before anything answers: the client's address, the <c>/app</c> prefix, routing, CORS.</summary>
    public static WebApplication UseHttpApi(this WebApplication app)
    {
        app.UseTrustedProxies();
        // The course's app calls every path under /app (its server had that prefix): both are served.
        app.UsePathBase("/app");
        app.UseRouting();
        app.UseCors();
        return app;
    }

    /// <summary>
    /// Around the API's endpoints: metrics outside the exception handler (they count the status the
    /// client gets), the request's time budget, then failures as the envelope, bare
    /// statuses as the envelope, and sign-in, rate limits and body limits before any body is read.
    /// </summary>
    public static WebApplication UseApiOutcomes(this WebApplication app)
    {
        app.UseMiddleware<ApiMetricsMiddleware>();
        var budget = app.Services.GetRequiredService<IOptions<RequestBudgetOptions>>().Value.Length;
        app.Use(async (http, next) =>
        {
            using var _ = RequestBudget.Begin(budget);
            await next(http);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages(async context =>
        {
            // Unknown routes and wrong methods still answer in the Toutiao envelope.
            var response = context.HttpContext.Response;
            await response.WriteAsJsonAsync(new ApiError(response.StatusCode == 404 ? "Not found." : "Request failed."));
        });
        app.UseMiddleware<RequestGate>();
        return app;
    }

    /// <summary>A group for the API's endpoints: measured by route and outcome (<c>toutiao.api.*</c>).</summary>
    public static RouteGroupBuilder MapApi(this WebApplication app)
        => app.MapGroup("").WithMetadata(ApiEndpointMetadata.Instance);
}
