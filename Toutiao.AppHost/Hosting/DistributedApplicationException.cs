namespace Toutiao.AppHost.Hosting;

/// <summary>A failure the AppHost explains in one sentence (a missing binary, a busy port) rather than with a stack trace.</summary>
public sealed class DistributedApplicationException(string message, Exception? inner = null) : Exception(message, inner);
