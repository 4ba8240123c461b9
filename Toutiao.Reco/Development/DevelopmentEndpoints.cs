namespace Toutiao.Reco.Development;

/// <summary>Endpoints for developers and <c>./toutiao bench</c>, mapped in Development only.</summary>
public static class DevelopmentEndpoints
{
    public static WebApplication MapDevelopmentEndpoints(this WebApplication app)
    {
        if (app.Environment.IsDevelopment())
        {
            app.MapRuntimeCounters();
        }

        return app;
    }
}
