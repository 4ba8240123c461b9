using Toutiao.Web.Articles;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Channels;
using Toutiao.Web.Comments;
using Toutiao.Web.Database;
using Toutiao.Web.Feed;
using Toutiao.Web.Http;
using Toutiao.Web.Images;
using Toutiao.Web.Reactions;
using Toutiao.Web.ReaderPage;
using Toutiao.Web.Search;
using Toutiao.Web.Users;

// `Toutiao.Web initialize-database [settings]`: create the schema and demo data, then exit.
var initializeDatabase = args is ["initialize-database", ..];
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = initializeDatabase ? args[1..] : args,
    ContentRootPath = AppContentRoot.Resolve(),
});
if (initializeDatabase)
{
    return await DatabaseCommand.RunAsync(builder.Configuration);
}

builder.AddServiceDefaults();
builder.AddToutiaoRedis();
builder.AddMySqlDataSource("toutiao");
builder.AddReadReplica();
builder.AddToutiaoAuth();
builder.AddCrossOrigin();

builder.Services.ConfigureHttpJsonOptions(options => ToutiaoJson.Configure(options.SerializerOptions));
builder.Services.AddExceptionHandler<ApiExceptionHandler>();
builder.Services.AddTrustedProxies();
builder.Services.AddToutiaoRateLimits();
builder.Services.AddProblemDetails();
builder.Services.AddSingleton<ApiMetrics>();
builder.Services.AddSingleton<ApiMetricsFilter>();

builder.Services.AddOptions<ArticleCacheOptions>().BindConfiguration(ArticleCacheOptions.SectionName);
builder.Services.AddSingleton<ArticleCacheMetrics>();
builder.Services.AddSingleton<ArticleRepository>();
builder.Services.AddSingleton<LocalCardCache>();
builder.Services.AddSingleton<ArticleInfoCache>();
builder.Services.AddSingleton<ArticleCacheWarmer>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ArticleCacheWarmer>());
builder.Services.AddHealthChecks().AddCheck<ArticleCacheWarmer>("article-cache", tags: ["ready"]);
builder.Services.AddOptions<ChannelOptions>().BindConfiguration(ChannelOptions.SectionName);
builder.Services.AddSingleton<ChannelCatalog>();
builder.Services.AddSingleton<UserChannels>();

builder.AddFeed();
builder.AddBehaviors();
builder.AddSearch();
builder.Services.AddSingleton<ArticleReactions>();
builder.Services.AddSingleton<Followings>();
builder.Services.AddSingleton<UserDirectory>();
builder.Services.AddSingleton<ReadingHistory>();
builder.Services.AddOptions<ImageOptions>().BindConfiguration(ImageOptions.SectionName)
    .Validate(o => o.MaxUploadBytes > 0, "Images:MaxUploadBytes must be positive.").ValidateOnStart();
builder.Services.AddSingleton<ImageStore>();
builder.Services.AddSingleton<ArticleComments>();

var app = builder.Build();

app.UseTrustedProxies();
// The course's app calls every path under /app (its server had that prefix): both are served.
app.UsePathBase("/app");
app.UseRouting();
app.UseCors();
app.UseReaderPage();
app.UseExceptionHandler();
app.UseRateLimiter();
app.UseStatusCodePages(async context =>
{
    // Unknown routes and wrong methods still answer in the Toutiao envelope.
    var response = context.HttpContext.Response;
    await response.WriteAsJsonAsync(new ApiError(response.StatusCode == 404 ? "Not found." : "Request failed."));
});

// Every API endpoint is measured by route and outcome (toutiao.api.*).
var api = app.MapGroup("").AddEndpointFilter<ApiMetricsFilter>();
api.MapFeedEndpoints();
api.MapBehaviorEndpoints();
api.MapReactionEndpoints();
api.MapFollowingEndpoints();
api.MapUserEndpoints();
api.MapImageEndpoints();
api.MapSearchEndpoints();
api.MapCommentEndpoints();
api.MapArticleEndpoints();
api.MapChannelEndpoints();
api.MapAuthEndpoints(app.Environment);
app.MapDefaultEndpoints();
app.MapRecoCheck();

app.Run();
return 0;
