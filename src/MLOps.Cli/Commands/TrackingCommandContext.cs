using System.CommandLine;
using MLOps.Tracking;
using MLOps.Tracking.Search;
using Spectre.Console;

namespace MLOps.Cli.Commands;

/// <summary>
/// What the runs, models and artifacts commands share: the <c>--store</c> option (else
/// <c>MLPC_STORE</c>, else <c>.mlp/</c> in the working directory), output writers, and table
/// rendering (Spectre tables on a terminal, tab-separated text otherwise).
/// </summary>
public sealed class TrackingCommandContext
{
    public const string StoreEnvironmentVariable = "MLPC_STORE";

    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitUsage = 2;
    public const int ExitConflict = 3;
    public const int ExitNotFound = 4;

    public TrackingCommandContext(TextWriter output, TextWriter error, bool interactive, string workingDirectory, Func<string, string?> environment)
    {
        Out = output;
        Error = error;
        Interactive = interactive;
        WorkingDirectory = workingDirectory;
        Environment = environment;
        StoreOption = new Option<string?>("--store")
        {
            Description = $"Tracking store URI (sqlite:///abs/path/tracking.db or a folder); default ${StoreEnvironmentVariable}, else .mlp/ here",
            Recursive = true,
        };
    }

    public static TrackingCommandContext ForConsole() =>
        new(Console.Out, Console.Error, !Console.IsOutputRedirected, Directory.GetCurrentDirectory(), System.Environment.GetEnvironmentVariable);

    public Option<string?> StoreOption { get; }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public bool Interactive { get; }

    public string WorkingDirectory { get; }

    public Func<string, string?> Environment { get; }

    public string StoreUri(ParseResult result) =>
        result.GetValue(StoreOption) ?? Environment(StoreEnvironmentVariable) ?? TrackingStoreFactory.DefaultDirectory + "/";

    public TrackingStores OpenStores(ParseResult result) => TrackingStoreFactory.Open(StoreUri(result), WorkingDirectory);

    /// <summary>Runs a command body with the store open, turning store errors into messages and exit codes.</summary>
    public async Task<int> WithStoresAsync(ParseResult result, Func<TrackingStores, Task<int>> body)
    {
        try
        {
            await using var stores = OpenStores(result);
            return await body(stores);
        }
        catch (RunQueryException e)
        {
            Error.WriteLine($"error: {e.Reason}{(e.Suggestion is null ? "" : $" ({e.Suggestion})")}");
            Error.WriteLine("  " + e.Text);
            Error.WriteLine("  " + new string(' ', Math.Max(0, e.Column - 1)) + "^");
            return ExitUsage;
        }
        catch (TrackingNotFoundException e)
        {
            Error.WriteLine("error: " + e.Message);
            return ExitNotFound;
        }
        catch (TrackingConflictException e)
        {
            Error.WriteLine("error: " + e.Message);
            return ExitConflict;
        }
        catch (Exception e) when (e is TrackingStoreException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            Error.WriteLine("error: " + e.Message);
            return e is ArgumentException ? ExitUsage : ExitError;
        }
    }

    /// <summary>Writes rows as a table: boxed on a terminal, tab-separated with a header line otherwise.</summary>
    public void WriteTable(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string? title = null)
    {
        if (Interactive)
        {
            var table = new Table();
            if (title is not null)
            {
                table.Title = new TableTitle(Markup.Escape(title));
            }

            foreach (var header in headers)
            {
                table.AddColumn(new TableColumn(Markup.Escape(header)));
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell)).ToArray());
            }

            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Out) });
            console.Write(table);
            return;
        }

        if (title is not null)
        {
            Out.WriteLine("# " + title);
        }

        Out.WriteLine(string.Join('\t', headers));
        foreach (var row in rows)
        {
            Out.WriteLine(string.Join('\t', row.Select(cell => cell.Replace('\t', ' ').Replace('\n', ' '))));
        }
    }

    public static string Time(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    public static string Seconds(TimeSpan? span) => span is { } s ? s.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture) + "s" : "-";

    public static string Number(double value) => value.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Quotes a value for the run query language (the quote doubled inside).</summary>
    public static string QueryString(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
