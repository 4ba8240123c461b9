namespace Toutiao.Web.Auth;

/// <summary>What presenting a refresh token to its sign-in's family found (<see cref="SessionFamilies"/>).</summary>
public enum RefreshCheck
{
    /// <summary>The family's current token: it is replaced by a new one.</summary>
    Rotated,

    /// <summary>
    /// The token the current one replaced, while the current one has not been used: a client that
    /// keeps its first refresh token (the course's app does) or lost the answer; it gets the current one.
    /// </summary>
    Kept,

    /// <summary>An older token: somebody kept a copy. The family is revoked, every token of it signed out.</summary>
    Reused,

    /// <summary>No such family: signed out, revoked or expired.</summary>
    Unknown,
}
