namespace Toutiao.Web.Http;

/// <summary>
/// The kinds of requests limited per reader and per client across replicas
/// (<see cref="SharedRateLimiter"/>; permits in <see cref="RateLimitOptions"/>). An endpoint names
/// its kinds with <see cref="SharedLimitExtensions.WithSharedLimit{TBuilder}"/> and the request gate
/// takes a permit of each, in one round trip, before the body is read.
/// </summary>
public enum SharedLimit
{
    /// <summary>Behaviours reported: each item of a list is a permit, taken by the endpoint once it knows the count.</summary>
    Reports,

    /// <summary>Reads that walk other readers' data: users, relations, lists, search, comments.</summary>
    Lookups,

    /// <summary>Writes on a reader's behalf.</summary>
    Writes,

    /// <summary>Sign-in attempts and code requests: per client (they carry no reader).</summary>
    SignIn,

    /// <summary>Comments and replies posted.</summary>
    Comments,

    /// <summary>Photo uploads.</summary>
    Uploads,

    /// <summary>
    /// Reads of cached data: the feed, article detail and lists, the reader's own profile and channels.
    /// Per client, and per signed-in reader (an anonymous id costs nothing to invent); taken in blocks
    /// (<see cref="SharedPermitBlocks"/>), not a round trip each.
    /// </summary>
    Reads,
}
