using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Toutiao.Web.Users;

/// <summary>
/// The name others see of a reader. Never a mobile number: a new account gets a generated one, a
/// reader cannot choose one that holds a number, and accounts named before that are renamed
/// (<c>Database/migrate.sql</c>, the same pattern as <see cref="HoldsMobileNumber"/>).
/// </summary>
public static partial class DisplayName
{
    /// <summary><c>用户</c> and eight hex digits: four random bytes, so two new readers rarely meet (a clash is retried).</summary>
    public static string Generate() => "用户" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4));

    /// <summary>Whether <paramref name="name"/> holds eleven digits from a 1: a mainland mobile number, or something that reads as one.</summary>
    public static bool HoldsMobileNumber(string name) => MobileNumber().IsMatch(name);

    [GeneratedRegex("1[0-9]{10}")]
    private static partial Regex MobileNumber();
}
