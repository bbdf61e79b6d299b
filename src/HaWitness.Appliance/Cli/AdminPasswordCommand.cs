using System.CommandLine;
using HaWitness.Hosting;
using HaWitness.Operator.Auth;

namespace HaWitness.Appliance.Cli;

/// <summary>
/// <c>hawitness admin-password [--data DIR] [--stdin]</c>: sets a new admin password (a random one,
/// printed once, or one read from stdin) in <c>DATA/admin-password</c>, hashed. Works beside a
/// running appliance: it re-reads the file on the next request, and page logins made before end.
/// </summary>
internal static class AdminPasswordCommand
{
    public static Command Create()
    {
        var data = CommonOptions.Data();
        var stdin = new Option<bool>("--stdin") { Description = $"Read the new password from the first line of stdin (at least {PasswordHash.MinLength} characters) instead of generating one" };
        var command = new Command("admin-password", "Set a new admin password for the page and API (prints a generated one once)") { data, stdin };
        command.SetAction(parse =>
        {
            string dir = Path.GetFullPath(parse.GetValue(data) ?? "./var/hawitness");
            string password;
            if (parse.GetValue(stdin))
            {
                password = (Console.In.ReadLine() ?? string.Empty).Trim();
                if (password.Length < PasswordHash.MinLength || password.Length > 1024)
                {
                    Console.Error.WriteLine($"hawitness: the password must have {PasswordHash.MinLength} to 1024 characters");
                    return CliExit.Usage;
                }
            }
            else
            {
                password = PasswordHash.Generate();
            }

            try
            {
                Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                new AdminCredential(dir).Set(password);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"hawitness: cannot write the admin password in {dir}: {ex.Message}");
                return CliExit.Failed;
            }

            Console.WriteLine(parse.GetValue(stdin) ? $"admin password set ({dir}/{AdminCredential.FileName})" : password);
            return CliExit.Ok;
        });
        return command;
    }
}
