using Toutiao.Web.Articles;
using Toutiao.Web.Auth;
using Toutiao.Web.Behaviors;
using Toutiao.Web.Channels;
using Toutiao.Web.Comments;
using Toutiao.Web.Database;
using Toutiao.Web.Development;
using Toutiao.Web.Feed;
using Toutiao.Web.Http;
using Toutiao.Web.Images;
using Toutiao.Web.Newsroom;
using Toutiao.Web.Reactions;
using Toutiao.Web.ReaderPage;
using Toutiao.Web.Search;
using Toutiao.Web.Users;

// `Toutiao.Web initialize-database [settings]`: create the schema and demo data, then exit.
if (args is [DatabaseCommand.Name, ..]) { return await DatabaseCommand.RunAsync(args[1..]); }

// `Toutiao.Web article-status <id> <status> [settings]`: an editor's decision, caches included, then exit.
if (args is [ArticleStatusCommand.Name, ..]) { return await ArticleStatusCommand.RunAsync(args[1..]); }

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContentRoot.Resolve() });
// Outside Development, keys anyone could know stop the service before it serves anything.
if (SecretSettings.Refusal(builder, "Jwt:Secret", "Tracking:SigningKey") is { } refusal) { Console.Error.WriteLine(refusal); return 1; }

builder.AddServiceDefaults();
builder.AddStorage();
builder.AddHttpApi();
builder.AddAuth();
builder.AddArticles();
builder.AddChannels();
builder.AddFeed();
builder.AddBehaviors();
builder.AddReactions();
builder.AddComments();
builder.AddUsers();
builder.AddImages();
builder.AddSearch();
builder.AddNewsroom();
builder.AddDevelopmentEndpoints();

var app = builder.Build();

app.UseHttpApi();
app.UseReaderPage();
app.UseApiOutcomes();

var api = app.MapApi();
api.MapFeedEndpoints();
api.MapArticleEndpoints();
api.MapChannelEndpoints();
api.MapBehaviorEndpoints();
api.MapReactionEndpoints();
api.MapCommentEndpoints();
api.MapUserEndpoints();
api.MapImageEndpoints();
api.MapSearchEndpoints();
api.MapAuthEndpoints();
app.MapDefaultEndpoints();
app.MapDevelopmentEndpoints();

app.Run();
return 0;

public partial class Program;
