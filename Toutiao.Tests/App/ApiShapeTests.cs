using System.Net;
using System.Text.Json;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.App;

/// <summary>
/// Every endpoint the course's app calls answers in the shape the app reads, field by field and
/// kind by kind, for a reader who just signed up (nothing set yet: a field the app reads is null,
/// never absent).
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class ApiShapeTests(ToutiaoFixture fixture)
{
    private const string Cover = "cover:{type:number,images:[string]}";
    private const string ArticleRow = "{art_id:number,title:string,aut_id:number,aut_name:string,comm_count:number,like_count:number,collect_count:number,pubdate:string," + Cover + ",is_top:number}";
    private const string ArticlePage = "{page:number,per_page:number,total_count:number,results:[" + ArticleRow + "]}";
    private const string Comment = "{com_id:number,aut_id:number,aut_name:string,aut_photo:string,like_count:number,reply_count:number,pubdate:string,content:string,is_top:number,is_liking:bool}";
    private const string RelatedUserPage = "{total_count:number,page:number,per_page:number,results:[{id:number,name:string,photo:string,fans_count:number,mutual_follow:bool}]}";

    [Fact]
    public async Task Every_endpoint_the_app_calls_answers_in_the_shape_it_reads()
    {
        var web = fixture.WebClient;
        var mobile = "139" + Random.Shared.Next(10_000_000, 99_999_999);
        Assert.Equal("{mobile:string}", await DataShape(HttpMethod.Get, $"/v1_0/sms/codes/{mobile}"));
        var code = (await web.SendAsync(HttpMethod.Post, $"/dev/sms-codes/{mobile}")).Data.GetProperty("code").GetString();
        var tokens = await web.SendAsync(HttpMethod.Post, "/v1_0/authorizations", body: new { mobile, code });
        Assert.Equal((HttpStatusCode.Created, "{token:string,refresh_token:string}"), (tokens.Status, tokens.Data.Shape()));
        var reader = Api.Bearer(tokens.Data.GetProperty("token").GetString()!);
        Assert.Equal("{token:string,refresh_token:string}", await DataShape(HttpMethod.Put, "/v1_0/authorizations", Api.Bearer(tokens.Data.GetProperty("refresh_token").GetString()!)));

        Assert.Equal("{channels:[{id:number,name:string}]}", await DataShape(HttpMethod.Get, "/v1_0/channels"));
        Assert.Equal("{channels:[{id:number,name:string}]}", await DataShape(HttpMethod.Get, "/v1_0/user/channels"));
        Assert.Equal("{channels:[{id:number,name:string}]}", await DataShape(HttpMethod.Get, "/v1_0/user/channels", reader));
        Assert.Equal("{channels:[{id:number,seq:number}]}", await DataShape(HttpMethod.Patch, "/v1_0/user/channels", reader, new { channels = new[] { new { id = 3, seq = 2 } } }));
        Assert.Equal("{channels:[{id:number,seq:number}]}", await DataShape(HttpMethod.Put, "/v1_0/user/channels", reader, new { channels = new[] { new { id = 3, seq = 1 } } }));

        var feed = await web.FeedAsync(3, Api.Now(), reader, withTop: true);
        var article = feed.ArticleIds()[0];
        var author = feed.Data.GetProperty("results")[0].GetProperty("aut_id").GetInt64();
        Assert.Equal(
            "{art_id:number,title:string,pubdate:string,channel_id:number,aut_id:number,aut_name:string,aut_photo:string," + Cover
            + ",comm_count:number,like_count:number,collect_count:number,read_count:number,content:string,is_followed:bool,is_collected:bool,attitude:number}",
            await DataShape(HttpMethod.Get, $"/v1_0/articles/{article}", reader));

        // Comments and replies, by a reader with the default avatar.
        var posted = await Send(HttpMethod.Post, "/v1_0/comments", reader, new { target = article.ToString(), content = "好文", art_id = (string?)null }, HttpStatusCode.Created);
        Assert.Equal("{com_id:number,target:number,new_obj:" + Comment + "}", posted.Shape());
        var comment = posted.GetProperty("com_id").GetInt64();
        Assert.Equal("{com_id:number,target:number,art_id:number,new_obj:" + Comment + "}",
            (await Send(HttpMethod.Post, "/v1_0/comments", reader, new { target = comment.ToString(), content = "同意", art_id = article.ToString() }, HttpStatusCode.Created)).Shape());
        Assert.Equal("{total_count:number,end_id:number,last_id:number,results:[" + Comment + "]}", await DataShape(HttpMethod.Get, $"/v1_0/comments?type=a&source={article}&limit=10", reader));
        Assert.Equal("{total_count:number,end_id:number,last_id:number,results:[" + Comment + "]}", await DataShape(HttpMethod.Get, $"/v1_0/comments?type=c&source={comment}&limit=10"));
        Assert.Equal("{target:number}", (await Send(HttpMethod.Post, "/v1_0/comment/likings", reader, new { target = comment.ToString() }, HttpStatusCode.Created)).Shape());
        await Send(HttpMethod.Delete, $"/v1_0/comment/likings/{comment}", reader, null, HttpStatusCode.NoContent);

        // Reactions, each answered with its target; undoing one has no body.
        foreach (var path in new[] { "/v1_0/article/likings", "/v1_0/article/dislikes", "/v1_0/article/collections" })
        {
            Assert.Equal("{target:number}", (await Send(HttpMethod.Post, path, reader, new { target = article.ToString() }, HttpStatusCode.Created)).Shape());
        }
        await Send(HttpMethod.Delete, $"/v1_0/article/likings/{article}", reader, null, HttpStatusCode.NoContent);
        await Send(HttpMethod.Delete, $"/v1_0/article/dislikes/{article}", reader, null, HttpStatusCode.NoContent);
        Assert.Equal(ArticlePage, await DataShape(HttpMethod.Get, "/v1_0/article/collections?page=1&per_page=10", reader));
        Assert.Equal(ArticlePage, await DataShape(HttpMethod.Get, "/v1_0/user/histories?page=1&per_page=10", reader));
        Assert.Equal(ArticlePage, await DataShape(HttpMethod.Get, $"/v1_0/users/{author}/articles?page=1&per_page=10"));
        Assert.Equal("{page:number,per_page:number,total_count:number,results:[]}", await DataShape(HttpMethod.Get, "/v1_0/user/articles?page=1&per_page=10", reader));

        // Users: oneself, another, the relations (the app sends perPage).
        Assert.Equal("{target:number}", (await Send(HttpMethod.Post, "/v1_0/user/followings", reader, new { target = author }, HttpStatusCode.Created)).Shape());
        Assert.Equal(RelatedUserPage, await DataShape(HttpMethod.Get, "/v1_0/user/followings?page=1&perPage=20", reader));
        Assert.Equal("{total_count:number,page:number,per_page:number,results:[]}", await DataShape(HttpMethod.Get, "/v1_0/user/followers?page=1&perPage=20", reader));
        Assert.Equal("{id:number,name:string,photo:string,is_media:bool,intro:null,certi:null,art_count:number,follow_count:number,fans_count:number,like_count:number}",
            await DataShape(HttpMethod.Get, "/v1_0/user", reader));
        Assert.Equal("{id:number,name:string,photo:string,is_media:bool,intro:string,certi:null,art_count:number,follow_count:number,fans_count:number,like_count:number,is_following:bool}",
            await DataShape(HttpMethod.Get, $"/v1_0/users/{author}", reader));
        Assert.Equal("{id:number,name:string,photo:string,mobile:string,gender:number,birthday:null,intro:null}", await DataShape(HttpMethod.Get, "/v1_0/user/profile", reader));
        Assert.Equal("{id:number,name:string,photo:string,mobile:string,gender:number,birthday:string,intro:null}",
            await DataShape(HttpMethod.Patch, "/v1_0/user/profile", reader, new { birthday = "1999-09-09" }));
        await Send(HttpMethod.Delete, $"/v1_0/user/followings/{author}", reader, null, HttpStatusCode.NoContent);
        await Send(HttpMethod.Delete, "/v1_0/user/channels/3", reader, null, HttpStatusCode.NoContent);

        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");
        var uploaded = await web.UploadPhotoAsync(reader, png, "blob");
        Assert.Equal(HttpStatusCode.OK, uploaded.Status);
        Assert.Equal("{id:number,photo:string}", uploaded.Data.Shape());

        // Search, once the index is there.
        await fixture.SearchBuiltAsync();
        Assert.Equal("{options:[string]}", await DataShape(HttpMethod.Get, "/v1_0/suggestion?q=python"));
        Assert.Equal(ArticlePage, await DataShape(HttpMethod.Get, "/v1_0/search?q=python&page=1&per_page=10"));

        // Dates the app's dayjs reads.
        var detail = (await web.SendAsync(HttpMethod.Get, $"/v1_0/articles/{article}")).Data;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", detail.GetProperty("pubdate").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", posted.GetProperty("new_obj").GetProperty("pubdate").GetString());

        async Task<string> DataShape(HttpMethod method, string path, string? authorization = null, object? body = null)
            => (await Send(method, path, authorization, body, HttpStatusCode.OK)).Shape();

        async Task<JsonElement> Send(HttpMethod method, string path, string? authorization, object? body, HttpStatusCode expected)
        {
            var response = await web.SendAsync(method, path, authorization, body);
            Assert.True(response.Status == expected, $"{method} {path}: {response.Status}");
            return expected == HttpStatusCode.NoContent ? default : response.Data;
        }
    }
}
