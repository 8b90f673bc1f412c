using System.Collections.Concurrent;
using System.Globalization;
using MLOps.Plan;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking.Runs;
using Spectre.Console;

namespace MLOps.Cli.Commands;

/// <summary>A live table of trials on a terminal (number, state, params, last intermediate value, objective); plain lines otherwise.</summary>
public sealed class SweepView(TextWriter output, bool interactive, PlanObjective objective) : ISweepObserver, IDisposable
{
    private readonly ConcurrentDictionary<int, (SweepTrialRecord Trial, string? Last)> trials = new();
    private readonly CancellationTokenSource stop = new();
    private Task? live;
    private bool disposed;

    private string ObjectiveName => objective.Output + string.Concat(objective.Path.Select(p => "." + p));

    public void TrialStarted(SweepTrialRecord trial)
    {
        trials[trial.Number] = (trial, null);
        if (interactive)
        {
            live ??= Task.Run(LiveAsync);
        }
        else
        {
            Line($"trial {trial.Number} started: {Params(trial)}");
        }
    }

    public void TrialReported(SweepTrialRecord trial, string metric, IntermediateValue value) =>
        trials[trial.Number] = (trial, $"{metric}@{value.Step.ToString(CultureInfo.InvariantCulture)} = {value.Value.ToString("G4", CultureInfo.InvariantCulture)}");

    public void TrialFinished(SweepTrialRecord trial)
    {
        var last = trials.TryGetValue(trial.Number, out var t) ? t.Last : null;
        trials[trial.Number] = (trial, last);
        if (!interactive)
        {
            Line($"trial {trial.Number} {trial.Status.ToWord()}{(trial.Objective is { } v ? $": {ObjectiveName} = {v.ToString("G6", CultureInfo.InvariantCulture)}" : "")}{(trial.Message is null ? "" : "  " + trial.Message)}");
        }
    }

    private static string Params(SweepTrialRecord trial) => string.Join(", ", trial.Params.Select(p => p.Key + "=" + p.Value));

    private void Line(string text)
    {
        lock (output)
        {
            output.WriteLine(text);
        }
    }

    private async Task LiveAsync()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("trial", "state", "params", "last value", Markup.Escape(ObjectiveName));
        await console.Live(table).AutoClear(false).StartAsync(async ctx =>
        {
            while (true)
            {
                table.Rows.Clear();
                foreach (var (number, (trial, last)) in trials.OrderBy(t => t.Key))
                {
                    table.AddRow(
                        new Text(number.ToString(CultureInfo.InvariantCulture)),
                        new Text(trial.Status.ToWord()),
                        new Text(Params(trial)),
                        new Text(last ?? ""),
                        new Text(trial.Objective?.ToString("G6", CultureInfo.InvariantCulture) ?? ""));
                }

                ctx.Refresh();
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                try
                {
                    await Task.Delay(250, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        stop.Cancel();
        live?.GetAwaiter().GetResult();
        stop.Dispose();
    }
}
