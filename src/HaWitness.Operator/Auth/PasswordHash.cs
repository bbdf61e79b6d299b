using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace HaWitness.Operator.Auth;

/// <summary>
/// The stored form of the admin password: <c>pbkdf2-sha256$ITERATIONS$SALT$HASH</c> (base64),
/// PBKDF2 through <see cref="Rfc2898DeriveBytes.Pbkdf2(byte[], byte[], int, HashAlgorithmName, int)"/>,
/// compared in constant time. The iteration count travels in the string, so it can be raised later
/// without breaking stored hashes.
/// </summary>
internal static class PasswordHash
{
    public const int Iterations = 600_000;
    private const string Scheme = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    /// <summary>Shortest password <c>hawitness admin-password</c> accepts from stdin.</summary>
    public const int MinLength = 12;

    /// <summary>A new random password: 24 characters without look-alikes (about 139 bits).</summary>
    public static string Generate() => RandomNumberGenerator.GetString(Alphabet, 24);

    public static string Hash(string password, int iterations = Iterations)
    {
        byte[] salt = RandomNumberGenerator.GetBytes(SaltBytes);
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when <paramref name="password"/> matches <paramref name="stored"/>; false for a malformed stored value.</summary>
    public static bool Verify(string password, string stored)
    {
        var parts = stored.Trim().Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int iterations) || iterations is < 1000 or > 10_000_000)
        {
            return false;
        }

        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        if (expected.Length is < 16 or > 64)
        {
            return false;
        }

        byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Whether <paramref name="stored"/> has the shape of a stored hash.</summary>
    public static bool IsWellFormed(string stored) =>
        stored.Trim().Split('$') is [Scheme, var n, _, _] && int.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out _);
}
