using System.Text;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Inspection;

/// <summary>One attempt's log files, as recorded by the runtime.</summary>
public sealed record AttemptLogs(string StepRunId, string InstanceId, int Attempt, string? StdoutPath, string? StderrPath, bool Open, string? State);

/// <summary><c>mlpc logs</c>: finds each step attempt's stdout and stderr and reads or follows them.</summary>
public sealed class StepLogs(ITrackingStore store)
{
    /// <summary>The attempts of a run's steps (one step when given; a reused step shows the run it was reused from).</summary>
    public async Task<IReadOnlyList<AttemptLogs>> FindAsync(string runId, string? step, int? attempt, CancellationToken ct)
    {
        var run = await store.GetRunAsync(runId, ct).ConfigureAwait(false)
            ?? throw new Tracking.TrackingNotFoundException($"there is no run '{runId}' in {store.Uri}");
        IEnumerable<RunRecord> steps = run.Kind == RunKind.Step
            ? [run]
            : (await store.GetChildRunsAsync(run.RunId, ct).ConfigureAwait(false)).Where(s => s.Kind == RunKind.Step);
        if (step is not null)
        {
            steps = steps.Where(s => s.NodeInstanceId == step || s.Name == step).ToList();
            if (!steps.Any())
            {
                throw new Tracking.TrackingNotFoundException($"run {runId} has no step '{step}'");
            }
        }

        var result = new List<AttemptLogs>();
        foreach (var s in steps.OrderBy(s => s.CreatedAt))
        {
            var source = s.Status == RunStatus.Cached && s.CachedFromRunId is { } from ? from : s.RunId;
            var attempts = await store.GetAttemptsAsync(source, ct).ConfigureAwait(false);
            foreach (var a in attempts.Where(a => attempt is null || a.Attempt == attempt).OrderBy(a => a.Attempt))
            {
                result.Add(new AttemptLogs(source, s.NodeInstanceId ?? s.Name, a.Attempt, a.StdoutPath, a.StderrPath, a.EndedAt is null, a.State));
            }
        }

        return result;
    }

    /// <summary>
    /// Writes a log file to <paramref name="output"/>; with <paramref name="follow"/> keeps writing
    /// what is appended until the attempt ends.
    /// </summary>
    public async Task CopyAsync(AttemptLogs logs, string path, TextWriter output, bool follow, CancellationToken ct)
    {
        long offset = 0;
        while (true)
        {
            if (File.Exists(path))
            {
                await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (file.Length > offset)
                {
                    file.Seek(offset, SeekOrigin.Begin);
                    var buffer = new byte[file.Length - offset];
                    var read = await file.ReadAsync(buffer, ct).ConfigureAwait(false);
                    offset += read;
                    await output.WriteAsync(Encoding.UTF8.GetString(buffer, 0, read)).ConfigureAwait(false);
                    await output.FlushAsync(ct).ConfigureAwait(false);
                }
            }

            if (!follow || !await IsOpenAsync(logs, ct).ConfigureAwait(false))
            {
                if (follow && File.Exists(path) && new FileInfo(path).Length > offset)
                {
                    continue;
                }

                return;
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    private async Task<bool> IsOpenAsync(AttemptLogs logs, CancellationToken ct)
    {
        var attempts = await store.GetAttemptsAsync(logs.StepRunId, ct).ConfigureAwait(false);
        return attempts.Any(a => a.Attempt == logs.Attempt && a.EndedAt is null);
    }
}
