namespace Toutiao.Web.Auth;

/// <summary>What checking a login code found.</summary>
public enum CodeCheck
{
    /// <summary>The code was right and is now used up.</summary>
    Accepted,

    /// <summary>No code is pending, or it is wrong; a pending code stays valid for another try.</summary>
    Wrong,

    /// <summary>Too many wrong tries: the pending code is gone and the number is locked for the rest of the window, new codes included.</summary>
    Locked,
}
