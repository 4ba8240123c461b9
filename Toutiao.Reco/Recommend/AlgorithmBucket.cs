using System.Security.Cryptography;
using System.Text;

namespace Toutiao.Reco.Recommend;

/// <summary>
/// The A/B split of the original system: the first hex digit of md5(user_id) in 0..d is
/// <c>Algo-1</c>, in e..f <c>Algo-2</c> (one user in eight).
/// </summary>
public static class AlgorithmBucket
{
    public const string Algo1 = "Algo-1";
    public const string Algo2 = "Algo-2";

    public static string For(string userId) => For(Digit(userId));

    /// <summary>The ranking variant of bucket <paramref name="digit"/>.</summary>
    public static string For(int digit) => digit <= 0xd ? Algo1 : Algo2;

    /// <summary>The reader's bucket: the first hex digit of md5(user_id), 0..15.</summary>
    public static int Digit(string userId) => MD5.HashData(Encoding.UTF8.GetBytes(userId))[0] >> 4;
}
