namespace Toutiao.Web.Auth;

/// <summary>
/// Sends a login code to a mobile number: the SMS gateway a deployment plugs in by registering
/// one. There is none here; in Development, <see cref="DevelopmentSmsSender"/> writes the code to
/// the log instead, and it is never registered in any other environment.
/// </summary>
public interface ISmsSender
{
    Task SendCodeAsync(string mobile, string code, CancellationToken cancellationToken);
}
