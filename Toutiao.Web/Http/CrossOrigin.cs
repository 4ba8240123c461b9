namespace Toutiao.Web.Http;

/// <summary>CORS for the app served from another origin: preflights answered, credentials by header only.</summary>
public static class CrossOrigin
{
    public static IHostApplicationBuilder AddCrossOrigin(this IHostApplicationBuilder builder)
    {
        var origins = builder.Configuration.GetSection(CrossOriginOptions.SectionName).Get<CrossOriginOptions>()?.AllowedOrigins ?? [];
        var anyInDevelopment = origins.Length == 0 && builder.Environment.IsDevelopment();
        builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
        {
            if (anyInDevelopment)
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins(origins);
            }

            // The app sends its token in Authorization, never in cookies.
            policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("X-Feed-Degraded", "Retry-After");
        }));
        return builder;
    }
}
