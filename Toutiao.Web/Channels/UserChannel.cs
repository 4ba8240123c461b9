namespace Toutiao.Web.Channels;

/// <summary>A channel a reader follows, at a position among them.</summary>
public sealed record UserChannel(int Id, int Seq);
