using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using HaWitness.Appliance.Http;
using HaWitness.Core.Configuration;
using HaWitness.Core.Journal;
using HaWitness.Core.Storage;
using HaWitness.Operator.Auth;
using HaWitness.Operator.Https;
using HaWitness.Operator.Metrics;

namespace HaWitness.Appliance;

/// <summary>
/// The operators' part of the appliance's start: HTTPS (opt-in: only when <c>Urls</c> lists an
/// <c>https://</c> URL; the agents keep using whichever URL they were given), the admin password
/// at first start, and the middleware and endpoints of the page, API and metrics.
/// </summary>
internal static partial class OperatorHosting
{
    /// <summary>Loads or creates the HTTPS certificate when an https URL is configured; throws <see cref="CryptographicException"/> or <see cref="IOException"/> on a bad one.</summary>
    public static X509Certificate2? ConfigureHttps(WebApplicationBuilder builder, ApplianceOptions options, DataDirectory dataDir)
    {
        if (!HttpsCertificate.Wanted(options.Urls))
        {
            return null;
        }

        var (certificate, _) = HttpsCertificate.LoadOrCreate(options.Http, dataDir.Path, options.Urls, TimeProvider.System);
        builder.WebHost.UseKestrelHttpsConfiguration(); // the slim builder leaves HTTPS out unless asked
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate));
        return certificate;
    }

    /// <summary>Middleware and endpoints; the admin password is created (and printed once) here.</summary>
    public static void Map(WebApplication app, ApplianceOptions options, X509Certificate2? certificate, JournalStore journal)
    {
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HaWitness.Appliance.Operator");
        _ = app.Services.GetRequiredService<OperatorMetrics>(); // counts failovers from now on
        var credential = app.Services.GetRequiredService<AdminCredential>();
        if (credential.EnsureCreated() is { } password)
        {
            // Shown once, on stdout only (not in the structured log), and never stored in clear.
            Console.Out.WriteLine($"hawitness: admin password (shown once; change it with 'hawitness admin-password'): {password}");
            Console.Out.Flush();
            journal.RecordEvent("AdminPasswordCreated", Subjects.Cluster, $"admin password created at first start, stored hashed in {credential.FilePath}");
            LogPasswordCreated(log, credential.FilePath);
        }

        if (certificate is not null)
        {
            LogHttps(log, HttpsCertificate.Fingerprint(certificate), certificate.Subject, certificate.NotAfter);
        }

        if (app.Services.GetRequiredService<ListenPolicy>().Warning() is { } insecure)
        {
            LogPlainHttp(log, insecure);
        }

        LogReadAccess(log, options.Http.OpenRead ? "open to anyone who reaches it" : "admin only");
        ResponseGuards.Use(app);
        OperatorAuth.Use(app, options.Http);
        PageEndpoints.Map(app);
        OperatorEndpoints.Map(app);
    }

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Admin password created and printed on stdout (once); stored hashed in {File}")]
    private static partial void LogPasswordCreated(ILogger logger, string file);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "HTTPS certificate SHA-256 {Fingerprint} ({Subject}, valid until {NotAfter:yyyy-MM-dd})")]
    private static partial void LogHttps(ILogger logger, string fingerprint, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "INSECURE: {Warning}")]
    private static partial void LogPlainHttp(ILogger logger, string warning);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Information, Message = "Status page, API reads and metrics are {Access}; changes need the admin password")]
    private static partial void LogReadAccess(ILogger logger, string access);
}
