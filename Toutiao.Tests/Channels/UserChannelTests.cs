using System.Net;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;

namespace Toutiao.Tests.Channels;

/// <summary>The channels a reader follows (<c>/v1_0/user/channels</c>), the app's first call.</summary>
[Collection(ToutiaoCollection.Name)]
public sealed class UserChannelTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_reader_without_a_token_gets_the_default_channels_after_recommended()
    {
        var expected = new List<(int, string)> { (0, "推荐") };
        await using (var command = fixture.MySql.CreateCommand(
            "SELECT channel_id, channel_name FROM news_channel WHERE is_visible = 1 AND is_default = 1 ORDER BY sequence, channel_id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                expected.Add((reader.GetInt32(0), reader.GetString(1)));
            }
        }

        Assert.True(expected.Count > 1);
        Assert.Equal(expected, await ChannelsAsync(null));
        Assert.Equal(expected, await ChannelsAsync(Api.NewAnonymousReader()));
        // Signed in without a choice of one's own: the same.
        Assert.Equal(expected, await ChannelsAsync(NewReader()));
    }

    [Fact]
    public async Task A_signed_in_reader_sets_adds_moves_and_removes_channels()
    {
        var reader = NewReader();
        var defaults = await ChannelsAsync(null);

        var put = await fixture.WebClient.SendAsync(HttpMethod.Put, "/v1_0/user/channels", reader,
            new { channels = new[] { new { id = 5, seq = 2 }, new { id = 3, seq = 1 } } });
        Assert.Equal(HttpStatusCode.OK, put.Status);
        Assert.Equal(2, put.Data.GetProperty("channels").GetArrayLength());
        Assert.Equal([0, 3, 5], (await ChannelsAsync(reader)).Select(c => c.Id));

        await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/channels", reader, new { channels = new[] { new { id = 7, seq = 3 }, new { id = 5, seq = 4 } } });
        Assert.Equal([0, 3, 7, 5], (await ChannelsAsync(reader)).Select(c => c.Id));

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await fixture.WebClient.SendAsync(HttpMethod.Delete, "/v1_0/user/channels/7", reader)).Status);
        }

        Assert.Equal([0, 3, 5], (await ChannelsAsync(reader)).Select(c => c.Id));
        Assert.Equal("ios", (await ChannelsAsync(reader))[1].Name);

        // An empty list: back to the defaults.
        await fixture.WebClient.SendAsync(HttpMethod.Put, "/v1_0/user/channels", reader, new { channels = Array.Empty<object>() });
        Assert.Equal(defaults, await ChannelsAsync(reader));
    }

    [Fact]
    public async Task Changing_channels_needs_a_token_and_a_valid_list()
    {
        var reader = NewReader();
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Put, "/v1_0/user/channels", null, new { channels = new[] { new { id = 3, seq = 1 } } })).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.WebClient.SendAsync(HttpMethod.Delete, "/v1_0/user/channels/3", Api.NewAnonymousReader())).Status);

        foreach (var (body, message) in new (object, string)[]
        {
            (new { channels = new[] { new { id = 0, seq = 1 } } }, "推荐"),
            (new { channels = new[] { new { id = 999, seq = 1 } } }, "channel 999 does not exist"),
            (new { channels = new[] { new { id = 26, seq = 1 } } }, "channel 26 does not exist"),
            (new { channels = new[] { new { id = 3, seq = 0 } } }, "seq of channel 3"),
            (new { channels = new[] { new { id = 3, seq = 1 }, new { id = 3, seq = 2 } } }, "once"),
            (new { other = 1 }, "channels must be a list"),
        })
        {
            var response = await fixture.WebClient.SendAsync(HttpMethod.Patch, "/v1_0/user/channels", reader, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Contains(message, response.Message);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await fixture.WebClient.SendAsync(HttpMethod.Delete, "/v1_0/user/channels/x", reader)).Status);
    }

    private string NewReader() => Api.Bearer(fixture.WebService<TokenService>().Create(Random.Shared.NextInt64(2_000_000, 9_000_000), refresh: false));

    private async Task<List<(int Id, string Name)>> ChannelsAsync(string? reader)
    {
        var response = await fixture.WebClient.SendAsync(HttpMethod.Get, "/v1_0/user/channels", reader);
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return response.Data.GetProperty("channels").EnumerateArray()
            .Select(c => (c.GetProperty("id").GetInt32(), c.GetProperty("name").GetString()!)).ToList();
    }
}
