namespace Toutiao.Web.Users;

public static class UserExtensions
{
    /// <summary>Profiles, follows and each reader's reading history.</summary>
    public static IHostApplicationBuilder AddUsers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<Followings>();
        builder.Services.AddSingleton<UserDirectory>();
        builder.Services.AddSingleton<ReadingHistory>();
        return builder;
    }
}
