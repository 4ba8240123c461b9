using System.ComponentModel.DataAnnotations;

namespace Toutiao.Contracts.Tracking;

/// <summary>Settings of the tracking strings; section <c>Tracking</c>, the same in Reco (signs) and Web (verifies).</summary>
public sealed class TrackingOptions
{
    public const string SectionName = "Tracking";

    /// <summary>HMAC-SHA256 key, at least 32 characters. No default: Production must set it.</summary>
    [Required, MinLength(32)]
    public string SigningKey { get; set; } = "";

    /// <summary>How long a tracking string may be reported after it was issued.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);
}
