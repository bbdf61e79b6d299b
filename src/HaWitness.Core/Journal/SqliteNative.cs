namespace HaWitness.Core.Journal;

/// <summary>
/// Initialises the bundled e_sqlite3 provider explicitly: Microsoft.Data.Sqlite.Core would
/// otherwise look it up by reflection, which Native AOT trims away.
/// </summary>
internal static class SqliteNative
{
    private static readonly Lazy<bool> Initialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    internal static void EnsureInitialized() => _ = Initialized.Value;
}
