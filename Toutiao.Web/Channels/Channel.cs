namespace Toutiao.Web.Channels;

public sealed record Channel(int Id, string Name);
