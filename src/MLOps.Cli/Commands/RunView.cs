using System.Collections.Concurrent;
using System.Globalization;
using MLOps.Runtime.Scheduling;
using Spectre.Console;

namespace MLOps.Cli.Commands;

/// <summary>
/// Shows a run as it goes: on a terminal a live table of steps (state, attempt, duration,
/// message), otherwise one plain line per change, so logs of CI jobs stay readable.
/// </summary>
public sealed class RunView(TextWriter output, bool interactive) : IRunObserver, IDisposable
{
    private readonly ConcurrentDictionary<string, StepProgress> steps = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> started = new();
    private readonly ConcurrentQueue<string> notes = new();
    private readonly CancellationTokenSource stop = new();
    private Task? live;

    public void RunStarted(string runId, string experiment, bool resumed)
    {
        Line($"{(resumed ? "resuming" : "run")} {runId} (experiment {experiment})");
        if (interactive)
        {
            live = Task.Run(LiveAsync);
        }
    }

    public void StepChanged(StepProgress step)
    {
        if (step.State is StepState.Running && !started.ContainsKey(step.InstanceId))
        {
            started[step.InstanceId] = step.StartedAt ?? DateTimeOffset.UtcNow;
        }

        var before = steps.TryGetValue(step.InstanceId, out var b) ? b : null;
        steps[step.InstanceId] = step;
        if (!interactive && step.State is not StepState.Waiting and not StepState.Queued && before?.State != step.State)
        {
            Line($"{step.InstanceId,-24} {step.State.ToWord(),-9}{(step.Attempt > 1 ? $" attempt {step.Attempt}" : "")}{Duration(step)}{(step.Message is null ? "" : "  " + step.Message)}");
        }
    }

    public void Warning(string message) => Line("warning: " + message);

    public void Info(string message) => Line(message);

    private void Line(string text)
    {
        if (live is not null)
        {
            notes.Enqueue(text);
            return;
        }

        lock (output)
        {
            output.WriteLine(text);
        }
    }

    private string Duration(StepProgress step)
    {
        if (!started.TryGetValue(step.InstanceId, out var from))
        {
            return "";
        }

        var to = step.State.IsTerminal() ? step.EndedAt ?? DateTimeOffset.UtcNow : DateTimeOffset.UtcNow;
        return " " + (to - from).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s";
    }

    private async Task LiveAsync()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        var table = new Table().Border(TableBorder.Rounded);
        table.AddColumns("step", "state", "attempt", "time", "");
        await console.Live(table).AutoClear(false).StartAsync(async ctx =>
        {
            while (true)
            {
                while (notes.TryDequeue(out var note))
                {
                    console.MarkupLine(Markup.Escape(note));
                }

                table.Rows.Clear();
                foreach (var step in steps.Values.OrderBy(s => s.InstanceId, StringComparer.Ordinal))
                {
                    table.AddRow(
                        new Text(step.InstanceId),
                        new Markup(Colour(step.State)),
                        new Text(step.Attempt > 0 ? step.Attempt.ToString(CultureInfo.InvariantCulture) : ""),
                        new Text(Duration(step).Trim()),
                        new Text(step.Message ?? ""));
                }

                ctx.Refresh();
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                try
                {
                    await Task.Delay(200, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
        while (notes.TryDequeue(out var note))
        {
            console.MarkupLine(Markup.Escape(note));
        }
    }

    private static string Colour(StepState state) => state switch
    {
        StepState.Succeeded => "[green]succeeded[/]",
        StepState.Cached => "[green]cached[/]",
        StepState.Running => "[blue]running[/]",
        StepState.Retrying => "[yellow]retrying[/]",
        StepState.Failed => "[red]failed[/]",
        StepState.Cancelled or StepState.NotRun => "[grey]" + state.ToWord() + "[/]",
        _ => state.ToWord(),
    };

    /// <summary>Ends the live table (its last state stays on screen).</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        stop.Cancel();
        live?.GetAwaiter().GetResult();
        live = null;
        stop.Dispose();
    }

    private bool disposed;
}
