using System.Globalization;
using System.Text.Json.Nodes;
using HaWitness.Core.Configuration;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace HaWitness.Core.Journal;

/// <summary>
/// The decision journal: one SQLite file in WAL mode holding hosts, VMs, decisions and events.
/// Every write is its own durable transaction: when a write method returns, the row survives a
/// process crash and a power loss (<c>synchronous=FULL</c> fsyncs the WAL on every commit).
/// Decisions are rare (a handful per failover), so the fsync per row costs nothing that matters
/// and buys the property the product is built on: an acknowledged decision is never lost.
/// </summary>
/// <remarks>
/// Writes are serialised on one connection; reads use their own pooled read-only connections,
/// which WAL lets run beside a writer. The store never creates a database over an existing file
/// that it does not recognise: see <see cref="Open"/>.
/// </remarks>
public sealed partial class JournalStore : IDisposable, IJournalWriter
{
    /// <summary>File name of the journal inside the data directory.</summary>
    public const string FileName = "journal.db";

    /// <summary>SQLite <c>application_id</c> marking a HaWitness journal ("HaWi").</summary>
    public const int ApplicationId = 0x48615769;

    private readonly SqliteConnection _writer;
    private readonly Lock _writeLock = new();
    private readonly string _readConnectionString;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SqliteCommand _insertDecision;
    private readonly SqliteCommand _insertEvent;
    private bool _disposed;

    private JournalStore(string path, SqliteConnection writer, TimeProvider time, ILogger logger, JournalOptions options, HighWaterMark? mark)
    {
        FilePath = path;
        _writer = writer;
        _time = time;
        _logger = logger;
        _options = options;
        _markWritten = mark ?? default;
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = true,
            DefaultTimeout = 5,
        }.ToString();

        _insertDecision = Prepare(
            "INSERT INTO decisions(time_ms, kind, subject, outcome, evidence) VALUES ($t, $k, $s, $o, $e) RETURNING id",
            "$t", "$k", "$s", "$o", "$e");
        _insertEvent = Prepare(
            "INSERT INTO events(time_ms, kind, subject, old_state, new_state, message) VALUES ($t, $k, $s, $os, $ns, $m) RETURNING id",
            "$t", "$k", "$s", "$os", "$ns", "$m");
    }

    /// <summary>Full path of the journal file.</summary>
    public string FilePath { get; }

    /// <summary>The schema version this build writes.</summary>
    public static int SchemaVersion => JournalSchema.Migrations.Count;

    /// <summary>
    /// Opens (or, when no file exists yet, creates) the journal at <paramref name="path"/> and
    /// applies pending migrations. While open, the store checkpoints its WAL, refreshes its
    /// high-water mark and prunes old rows on the schedule of <paramref name="options"/>.
    /// </summary>
    /// <exception cref="JournalOpenException">
    /// The file is not a SQLite database, belongs to another application, was written by a newer
    /// HaWitness, fails its integrity check, holds fewer rows than its high-water mark, or is
    /// locked. The file is not modified.
    /// </exception>
    public static JournalStore Open(string path, TimeProvider? time = null, ILogger<JournalStore>? logger = null, JournalOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SqliteNative.EnsureInitialized();
        path = Path.GetFullPath(path);
        var log = (ILogger?)logger ?? NullLogger.Instance;
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (!exists && File.Exists(path + "-wal") && new FileInfo(path + "-wal").Length > 0)
        {
            throw new JournalOpenException(
                $"journal {path} is missing but its write-ahead log {path}-wal is there: restore the journal file or move the -wal file away; refusing to start a new journal over it");
        }

        var mark = HighWaterMark.Read(HighWaterMark.PathFor(path));
        if (!exists && mark is { } m && (m.Decisions > 0 || m.Events > 0))
        {
            throw new JournalOpenException(string.Create(CultureInfo.InvariantCulture,
                $"journal {path} is missing but its high-water mark says decisions up to {m.Decisions} and events up to {m.Events} were written: restore the journal, or run 'hawitness db rebuild' to start a new one; refusing to start empty"))
            {
                Damaged = true,
            };
        }

        if (exists)
        {
            CheckHeader(path);
        }

        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = exists ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 5,
        }.ToString();

        var connection = new SqliteConnection(cs);
        try
        {
            connection.Open();
            // SQLite checkpoints and deletes the WAL when its last connection closes: a refused
            // journal must keep its WAL as found, so closing never checkpoints; Dispose does it.
            NoCheckpointOnClose(connection);
            JournalSchema.CheckIdentity(connection, path);
            if (exists)
            {
                JournalSchema.CheckIntegrity(connection, path);
                CheckHighWater(connection, path, mark);
            }

            JournalSchema.ConfigureDurability(connection, path, (options ?? new JournalOptions()).WalSizeLimitBytes);
            int from = JournalSchema.Migrate(connection);
            var store = new JournalStore(path, connection, time ?? TimeProvider.System, log, options ?? new JournalOptions(), mark);
            LogOpened(log, path, from, SchemaVersion);
            store.StartMaintenance();
            return store;
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new JournalOpenException($"journal {path}: {Describe(ex)}", ex) { Damaged = ex.SqliteErrorCode is 11 or 26 };
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Journals a decision durably and returns its id.</summary>
    /// <exception cref="JournalWriteException">The row could not be written (disk full, I/O error).</exception>
    public long Append(NewDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentException.ThrowIfNullOrEmpty(decision.Kind);
        ArgumentException.ThrowIfNullOrEmpty(decision.Subject);
        string evidence = decision.Evidence?.ToJsonString() ?? "{}";
        lock (_writeLock)
        {
            ThrowIfDisposed();
            return Write(() =>
            {
                SetParameters(_insertDecision, Now(), decision.Kind, decision.Subject, decision.Outcome.ToString(), evidence);
                return (long)_insertDecision.ExecuteScalar()!;
            });
        }
    }

    /// <summary>Journals an event (something that happened, not something decided).</summary>
    public long RecordEvent(string kind, string subject, string message, string? oldState = null, string? newState = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentException.ThrowIfNullOrEmpty(subject);
        lock (_writeLock)
        {
            ThrowIfDisposed();
            return Write(() => InsertEvent(kind, subject, message, oldState, newState));
        }
    }

    /// <summary>
    /// Creates or updates a host row; a change of state is journaled as a <c>HostStateChanged</c>
    /// event in the same transaction.
    /// </summary>
    public void UpsertHost(HostUpdate host, string reason)
    {
        ArgumentNullException.ThrowIfNull(host);
        UpsertState([host], [], reason);
    }

    /// <summary>
    /// Creates or updates a VM row; a change of state or host is journaled as a
    /// <c>VmStateChanged</c> event in the same transaction.
    /// </summary>
    public void UpsertVm(VmUpdate vm, string reason)
    {
        ArgumentNullException.ThrowIfNull(vm);
        UpsertState([], [vm], reason);
    }

    /// <summary>
    /// Creates or updates host and VM rows, with a state-change event for each that changed, all in
    /// one transaction (one fsync): what one applied log entry changed lands together or not at all.
    /// </summary>
    /// <exception cref="JournalWriteException">The rows could not be written (disk full, I/O error); none was.</exception>
    public void UpsertState(IReadOnlyCollection<HostUpdate> hosts, IReadOnlyCollection<VmUpdate> vms, string reason)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        if (hosts.Count == 0 && vms.Count == 0)
        {
            return;
        }

        lock (_writeLock)
        {
            ThrowIfDisposed();
            Write(() =>
            {
                using var tx = _writer.BeginTransaction();
                _insertEvent.Transaction = tx;
                try
                {
                    foreach (var h in hosts)
                    {
                        UpsertHostIn(tx, h, reason);
                    }

                    foreach (var v in vms)
                    {
                        UpsertVmIn(tx, v, reason);
                    }
                }
                finally
                {
                    _insertEvent.Transaction = null;
                }

                tx.Commit();
                return 0L;
            });
        }
    }

    private void UpsertHostIn(SqliteTransaction tx, HostUpdate host, string reason)
    {
        string facts = host.Facts?.ToJsonString() ?? "{}";
        string? old = ScalarString(tx, "SELECT state FROM hosts WHERE name = $n", ("$n", host.Name));
        Execute(tx,
            """
            INSERT INTO hosts(name, state, generation, fenced, maintenance, facts, updated_ms)
            VALUES ($n, $s, $g, $f, $m, $facts, $t)
            ON CONFLICT(name) DO UPDATE SET state = $s, generation = $g, fenced = $f,
                maintenance = $m, facts = $facts, updated_ms = $t
            """,
            ("$n", host.Name), ("$s", host.State), ("$g", host.Generation), ("$f", host.Fenced),
            ("$m", host.Maintenance), ("$facts", facts), ("$t", Now()));
        if (!string.Equals(old, host.State, StringComparison.Ordinal))
        {
            InsertEvent("HostStateChanged", Subjects.Host(host.Name), reason, old, host.State);
        }
    }

    private void UpsertVmIn(SqliteTransaction tx, VmUpdate vm, string reason)
    {
        string? old = ScalarString(tx,
            "SELECT state || '@' || coalesce(host, '') FROM vms WHERE name = $n", ("$n", vm.Name));
        Execute(tx,
            """
            INSERT INTO vms(name, host, state, priority, epoch, ha, updated_ms)
            VALUES ($n, $h, $s, $p, $e, $ha, $t)
            ON CONFLICT(name) DO UPDATE SET host = $h, state = $s, priority = $p, epoch = $e,
                ha = $ha, updated_ms = $t
            """,
            ("$n", vm.Name), ("$h", vm.Host), ("$s", vm.State), ("$p", vm.Priority), ("$e", vm.Epoch),
            ("$ha", vm.Ha), ("$t", Now()));
        string now = vm.State + "@" + (vm.Host ?? string.Empty);
        if (!string.Equals(old, now, StringComparison.Ordinal))
        {
            InsertEvent("VmStateChanged", Subjects.Vm(vm.Name), reason, old, now);
        }
    }

    /// <summary>True while the journal answers a trivial query and its last write did not fail (used by <c>/healthz</c>).</summary>
    public bool Ping()
    {
        if (Volatile.Read(ref _disposed) || Fault is not null)
        {
            return false;
        }

        try
        {
            using var c = OpenReader();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT 1";
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Volatile.Read(ref _refusals)?.Dispose(); // its last counts are written while the journal is open
        lock (_writeLock)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            _maintenance?.Dispose();
            CloseCleanly();
            _insertDecision.Dispose();
            _insertEvent.Dispose();
            _writer.Dispose();
            SqliteConnection.ClearAllPools();
        }
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private long InsertEvent(string kind, string subject, string message, string? oldState, string? newState)
    {
        SetParameters(_insertEvent, Now(), kind, subject, oldState, newState, message);
        return (long)_insertEvent.ExecuteScalar()!;
    }

    private long Write(Func<long> write)
    {
        long result;
        try
        {
            result = write();
        }
        catch (SqliteException ex)
        {
            LogWriteFailed(_logger, FilePath, Describe(ex));
            SetWriteFault(ex);
            throw new JournalWriteException($"journal {FilePath}: write failed: {Describe(ex)}", ex);
        }

        ClearWriteFault();
        Volatile.Write(ref _dirty, true);
        return result;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private SqliteCommand Prepare(string sql, params string[] names)
    {
        var cmd = _writer.CreateCommand();
        cmd.CommandText = sql;
        foreach (var n in names)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = n });
        }

        cmd.Prepare();
        return cmd;
    }

    private static void SetParameters(SqliteCommand cmd, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }

    private string? ScalarString(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = _writer.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        AddParameters(cmd, args);
        return cmd.ExecuteScalar() as string;
    }

    private void Execute(SqliteTransaction tx, string sql, params (string Name, object? Value)[] args)
    {
        using var cmd = _writer.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        AddParameters(cmd, args);
        cmd.ExecuteNonQuery();
    }

    private static void AddParameters(SqliteCommand cmd, (string Name, object? Value)[] args)
    {
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
    }

    private SqliteConnection OpenReader()
    {
        ThrowIfDisposed();
        var c = new SqliteConnection(_readConnectionString);
        c.Open();
        return c;
    }

    [LoggerMessage(EventId = 1000, Level = LogLevel.Information, Message = "Journal {Path} open at schema {From} -> {To}")]
    private static partial void LogOpened(ILogger logger, string path, int from, int to);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Journal {Path} write failed: {Reason}")]
    private static partial void LogWriteFailed(ILogger logger, string path, string reason);
}
