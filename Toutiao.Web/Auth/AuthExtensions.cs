using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Toutiao.Web.Auth;

public static class AuthExtensions
{
    public static IHostApplicationBuilder AddAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.SessionCheckInterval > TimeSpan.Zero, "Jwt:SessionCheckInterval must be positive.")
            .ValidateOnStart();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwt) =>
            {
                // Keep "user_id" and "refresh" as they are instead of mapping them to long URIs.
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = jwt.Value.Issuer,
                    ValidateAudience = false,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    IssuerSigningKey = TokenService.SigningKey(jwt.Value),
                };
            });

        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddSingleton<SmsCodeStore>();
        if (builder.Environment.IsDevelopment())
        {
            builder.Services.AddSingleton<ISmsSender, DevelopmentSmsSender>();
        }

        builder.Services.AddSingleton<UserAccounts>();
        builder.Services.AddSingleton<SessionFamilies>();
        builder.Services.AddSingleton<SessionGuard>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SessionGuard>());
        return builder;
    }
}
