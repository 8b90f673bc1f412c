using System.Collections.Immutable;
using System.Globalization;
using MLOps.Plan;
using MLOps.Runtime.Sweeps.Pruners;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps;

/// <summary>
/// Who runs the sweep and where it is recorded. <see cref="SweepRunId"/> is chosen by the caller;
/// running the engine again with the same id resumes the sweep. The budget overrides correspond to
/// <c>mlpc sweep --trials/--parallel/--seed</c>.
/// </summary>
public sealed record SweepRunOptions
{
    public required string SweepRunId { get; init; }

    public required string Experiment { get; init; }

    public string? Pipeline { get; init; }

    public string? SourceFile { get; init; }

    public string? SourceDigest { get; init; }

    /// <summary>Recorded on the sweep run; a resume with another plan digest is refused.</summary>
    public string? PlanDigest { get; init; }

    public string? GitCommit { get; init; }

    public int? Trials { get; init; }

    public int? Parallel { get; init; }

    public int? Seed { get; init; }

    public TimeSpan? Timeout { get; init; }

    public int? MaxFailed { get; init; }

    public ISweepObserver? Observer { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>Why the engine stopped starting trials.</summary>
public enum SweepStopReason
{
    /// <summary>Every trial of the budget finished.</summary>
    Completed,

    /// <summary>The sampler had nothing left to propose (a grid smaller than the trial budget).</summary>
    Exhausted,

    TimeLimit,
    MaxFailed,

    /// <summary>The caller's token was cancelled (Ctrl-C); running trials were cancelled and will restart on resume.</summary>
    Cancelled,
}

public sealed record SweepResult(string SweepRunId, SweepStopReason StopReason, ulong Seed, bool Resumed, IReadOnlyList<SweepTrialRecord> Trials, SweepTrialRecord? Best);

/// <summary>
/// Drives a sweep: keeps up to <c>parallel</c> trials in flight, proposes each new trial from the
/// trials finished so far (recording how many, and the order trials finish in, so a parallel sweep
/// can be replayed), feeds intermediate values to the pruner and cancels a pruned trial's token at
/// once, enforces the trial / time / failure budgets, and writes everything to the tracking store
/// as it happens, so that running it again with the same sweep run id (after Ctrl-C or kill -9)
/// keeps finished trials, restarts the ones that were running and proposes the rest exactly as an
/// uninterrupted sweep would have, given the same finish order.
/// </summary>
public sealed class SweepEngine
{
    private readonly SweepDefinition definition;
    private readonly ITrialRunner runner;
    private readonly ITrackingStore store;
    private readonly SweepRunOptions options;
    private readonly Lock gate = new();

    // Guarded by gate: read by reporter threads for pruning.
    private readonly List<TrialProgress> finishedProgress = [];
    private readonly List<LiveTrial> inFlight = [];

    private readonly List<TrialObservation> finishedObservations = [];
    private readonly List<SweepTrialRecord> records = [];
    private IPruner? pruner;
    private IMetricWriter? writer;
    private SweepTrialRecord? best;
    private long lastElapsedWrite;

    public SweepEngine(SweepDefinition definition, ITrialRunner runner, ITrackingStore store, SweepRunOptions options)
    {
        this.definition = definition;
        this.runner = runner;
        this.store = store;
        this.options = options;
    }

    private SearchSpace Space => definition.Space;

    public async Task<SweepResult> RunAsync(CancellationToken cancellationToken = default)
    {
        var time = options.Time;
        var startedAt = time.GetTimestamp();
        var budget = definition.Budget with
        {
            Trials = options.Trials ?? definition.Budget.Trials,
            Parallel = Math.Max(1, options.Parallel ?? definition.Budget.Parallel),
            Timeout = options.Timeout ?? definition.Budget.Timeout,
            MaxFailed = options.MaxFailed ?? definition.Budget.MaxFailed,
        };

        var created = await store.CreateRunAsync(
            new NewRun
            {
                RunId = options.SweepRunId,
                Experiment = options.Experiment,
                Kind = RunKind.Sweep,
                Name = definition.Name,
                Pipeline = options.Pipeline,
                SourceFile = options.SourceFile,
                SourceDigest = options.SourceDigest,
                PlanDigest = options.PlanDigest,
                GitCommit = options.GitCommit,
                Status = RunStatus.Running,
            },
            cancellationToken).ConfigureAwait(false);
        var resumed = !created.Created;
        if (resumed && options.PlanDigest is { } digest && created.Run.PlanDigest is { } stored && digest != stored)
        {
            throw new SweepDefinitionException($"sweep run '{options.SweepRunId}' was started from another plan (digest {stored}); resume it with the same plan or start a new sweep");
        }

        var history = await SweepHistoryReader.LoadAsync(store, options.SweepRunId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("the sweep run vanished after it was created");
        var seed = ResolveSeed(history);
        var sampler = definition.CreateSampler(seed);
        pruner = definition.CreatePruner();
        var total = sampler.Capacity is { } capacity ? (int)Math.Min(budget.Trials, capacity) : budget.Trials;
        var elapsedBefore = TimeSpan.FromSeconds(SweepHistoryReader.Double(history.Sweep.Tags, SweepTags.ElapsedSeconds) ?? 0);

        await store.SetTagsAsync(options.SweepRunId, new Dictionary<string, string>
        {
            [SweepTags.Seed] = seed.ToString(CultureInfo.InvariantCulture),
            [SweepTags.Sampler] = sampler.Name,
            [SweepTags.Pruner] = pruner?.Name ?? "none",
            [SweepTags.PrunerMetric] = pruner?.Metric ?? "",
            [SweepTags.Direction] = definition.Direction == ObjectiveDirection.Maximize ? "maximize" : "minimize",
            [SweepTags.ObjectiveName] = string.Join(".", [definition.Objective.Output, .. definition.Objective.Path]),
            [SweepTags.TrialsBudget] = budget.Trials.ToString(CultureInfo.InvariantCulture),
            [SweepTags.ParallelBudget] = budget.Parallel.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken).ConfigureAwait(false);
        if (pruner is null)
        {
            await store.DeleteTagAsync(options.SweepRunId, SweepTags.PrunerMetric, cancellationToken).ConfigureAwait(false);
        }

        await store.SetRunStatusAsync(options.SweepRunId, new RunStatusUpdate(RunStatus.Running, resumed ? "resumed" : null), cancellationToken).ConfigureAwait(false);

        var restart = new Queue<SweepTrialRecord>();
        var nextNumber = 0;
        foreach (var trial in history.Trials)
        {
            nextNumber = Math.Max(nextNumber, trial.Number + 1);
            if (trial.IsFinished && trial.FinishSequence is not null)
            {
                records.Add(trial);
            }
            else
            {
                restart.Enqueue(trial);
            }
        }

        records.Sort((a, b) => a.FinishSequence!.Value.CompareTo(b.FinishSequence!.Value));
        foreach (var trial in records)
        {
            AddFinished(trial, PointOf(trial));
        }

        var failed = records.Count(t => t.Status == RunStatus.Failed);
        writer = store.CreateMetricWriter();
        SweepStopReason? stop = null;
        using var timeLimit = new CancellationTokenSource();
        var remaining = budget.Timeout is { } limit ? limit - elapsedBefore : (TimeSpan?)null;
        var timeLimitTask = remaining is { } r && r > TimeSpan.Zero
            ? Task.Delay(r, time, timeLimit.Token)
            : remaining is null ? Task.Delay(Timeout.Infinite, timeLimit.Token) : Task.CompletedTask;
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = cancellationToken.Register(() => cancelled.TrySetResult()).ConfigureAwait(false);
        try
        {
            while (true)
            {
                stop ??= cancellationToken.IsCancellationRequested ? SweepStopReason.Cancelled
                    : timeLimitTask.IsCompleted ? SweepStopReason.TimeLimit
                    : budget.MaxFailed is { } maxFailed && failed >= maxFailed ? SweepStopReason.MaxFailed
                    : null;
                if (stop is not null)
                {
                    break;
                }

                while (inFlight.Count < budget.Parallel)
                {
                    if (restart.TryDequeue(out var again))
                    {
                        if (again.Params.Count == 0)
                        {
                            // Killed between creating the trial run and logging its params (one
                            // transaction): propose it now, from what has finished.
                            var proposed = sampler.Propose(new SamplerContext(again.Number, finishedObservations, []));
                            await StartAsync(again.Number, proposed, finishedObservations.Count, again.Attempt + 1, isNew: true, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            await StartAsync(again.Number, PointOf(again), again.ProposedAfter, again.Attempt + 1, isNew: false, cancellationToken).ConfigureAwait(false);
                        }
                    }
                    else if (nextNumber < total)
                    {
                        var number = nextNumber++;
                        List<TrialObservation> running;
                        lock (gate)
                        {
                            running = [.. inFlight.Select(t => new TrialObservation(t.Number, [.. t.Point], TrialState.Running, null, []))];
                        }

                        var point = sampler.Propose(new SamplerContext(number, finishedObservations, running));
                        await StartAsync(number, point, finishedObservations.Count, 1, isNew: true, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        break;
                    }
                }

                if (inFlight.Count == 0)
                {
                    stop = sampler.Capacity is { } c && nextNumber >= c && budget.Trials > c ? SweepStopReason.Exhausted : SweepStopReason.Completed;
                    break;
                }

                await Task.WhenAny([.. inFlight.Select(t => t.Task!), timeLimitTask, cancelled.Task]).ConfigureAwait(false);
                foreach (var done in inFlight.Where(t => t.Task!.IsCompleted).ToList())
                {
                    if (await FinishAsync(done, stopping: false, startedAt, elapsedBefore, CancellationToken.None).ConfigureAwait(false) == RunStatus.Failed)
                    {
                        failed++;
                    }
                }
            }

            // Stopping early: end what still runs; those trials restart on resume.
            foreach (var live in inFlight)
            {
                live.Stop();
            }

            foreach (var live in inFlight.ToList())
            {
                await FinishAsync(live, stopping: true, startedAt, elapsedBefore, CancellationToken.None).ConfigureAwait(false);
            }

            var anySucceeded = records.Any(t => t.Status == RunStatus.Succeeded);
            var (status, message) = stop switch
            {
                SweepStopReason.Cancelled => (RunStatus.Cancelled, "interrupted; resume to continue"),
                SweepStopReason.MaxFailed => (RunStatus.Failed, $"{failed} trials failed (max_failed = {budget.MaxFailed})"),
                _ when !anySucceeded => (RunStatus.Failed, "no trial succeeded"),
                SweepStopReason.TimeLimit => (RunStatus.Succeeded, "time limit reached"),
                _ => (RunStatus.Succeeded, (string?)null),
            };
            await store.SetTagsAsync(options.SweepRunId, new Dictionary<string, string>
            {
                [SweepTags.StopReason] = StopWord(stop!.Value),
                [SweepTags.ElapsedSeconds] = Elapsed(startedAt, elapsedBefore),
            }, CancellationToken.None).ConfigureAwait(false);
            await store.SetRunStatusAsync(options.SweepRunId, new RunStatusUpdate(status, message), CancellationToken.None).ConfigureAwait(false);
            var trials = (await SweepHistoryReader.LoadAsync(store, options.SweepRunId, CancellationToken.None).ConfigureAwait(false))!.Trials;
            return new SweepResult(options.SweepRunId, stop.Value, seed, resumed, trials, best is null ? null : trials.First(t => t.Number == best.Number));
        }
        catch
        {
            // An engine failure (the store went away, a bug): end the trials rather than orphan them.
            foreach (var live in inFlight)
            {
                live.Stop();
            }

            try
            {
                await Task.WhenAll(inFlight.Where(t => t.Task is not null).Select(t => t.Task!)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The trials' own failures do not replace the engine's.
            }

            throw;
        }
        finally
        {
            await timeLimit.CancelAsync().ConfigureAwait(false);
            await writer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ulong ResolveSeed(SweepHistory history)
    {
        var stored = history.Tag(SweepTags.Seed) is { } text && ulong.TryParse(text, CultureInfo.InvariantCulture, out var s) ? s : (ulong?)null;
        if (stored is { } kept)
        {
            if (options.Seed is { } asked && (ulong)(long)asked != kept)
            {
                throw new SweepDefinitionException($"sweep run '{options.SweepRunId}' started with seed {kept}; a resume keeps it (asked for {asked})");
            }

            return kept;
        }

        if ((options.Seed ?? definition.Seed) is { } seed)
        {
            return (ulong)(long)seed;
        }

        // No seed anywhere: draw one and record it, so the sweep can still be resumed and replayed.
        return (ulong)System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue);
    }

    private double[] PointOf(SweepTrialRecord trial) =>
        Space.TryParseParams(trial.Params)
        ?? throw new SweepDefinitionException($"trial {trial.Number} ({trial.RunId}) has params that are not in this sweep's space ({string.Join(", ", trial.Params.Select(p => p.Key + "=" + p.Value))}); resume it with the plan it was started with");

    private void AddFinished(SweepTrialRecord trial, double[] point)
    {
        var state = trial.Status switch
        {
            RunStatus.Succeeded => TrialState.Succeeded,
            RunStatus.Pruned => TrialState.Pruned,
            _ => TrialState.Failed,
        };
        finishedObservations.Add(new TrialObservation(trial.Number, [.. point], state, trial.Objective, trial.Intermediates));
        lock (gate)
        {
            finishedProgress.Add(new TrialProgress(trial.Number, state, trial.Intermediates));
        }

        if (state == TrialState.Succeeded && trial.Objective is { } v && (best?.Objective is not { } b || (definition.Direction == ObjectiveDirection.Maximize ? v > b : v < b)))
        {
            best = trial;
        }
    }

    private async Task StartAsync(int number, double[] point, int proposedAfter, int attempt, bool isNew, CancellationToken cancellationToken)
    {
        var runId = SweepTags.TrialRunId(options.SweepRunId, number);
        var parameters = Space.ToParams(point);
        RunRecord? started = null;
        if (isNew)
        {
            // Created running (one write less per trial); a crash before the params are logged
            // leaves a running trial without params, which a resume proposes again.
            var created = await store.CreateRunAsync(
                new NewRun
                {
                    RunId = runId,
                    Experiment = options.Experiment,
                    Kind = RunKind.Trial,
                    Name = definition.Name + "[" + number.ToString(CultureInfo.InvariantCulture) + "]",
                    ParentRunId = options.SweepRunId,
                    NodeInstanceId = SweepTags.TrialNode(number),
                    Pipeline = options.Pipeline,
                    SourceFile = options.SourceFile,
                    SourceDigest = options.SourceDigest,
                    PlanDigest = options.PlanDigest,
                    GitCommit = options.GitCommit,
                    Status = RunStatus.Running,
                },
                cancellationToken).ConfigureAwait(false);
            await store.LogParamsAsync(runId, parameters, cancellationToken).ConfigureAwait(false);
            if (created.Created)
            {
                started = created.Run;
            }
        }
        else
        {
            // A crash between writing the result tags and the status leaves them behind: clear them.
            await store.DeleteTagAsync(runId, SweepTags.FinishSequence, cancellationToken).ConfigureAwait(false);
            await store.DeleteTagAsync(runId, SweepTags.Objective, cancellationToken).ConfigureAwait(false);
        }

        await store.SetTagsAsync(runId, new Dictionary<string, string>
        {
            [SweepTags.Trial] = number.ToString(CultureInfo.InvariantCulture),
            [SweepTags.ProposedAfter] = proposedAfter.ToString(CultureInfo.InvariantCulture),
            [SweepTags.Attempt] = attempt.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken).ConfigureAwait(false);
        started ??= (await store.SetRunStatusAsync(runId, new RunStatusUpdate(RunStatus.Running, attempt > 1 ? $"restarted (attempt {attempt})" : null), cancellationToken).ConfigureAwait(false)).Run;

        var live = new LiveTrial(this, number, runId, point, parameters, proposedAfter, attempt);
        var spec = new TrialSpec
        {
            SweepRunId = options.SweepRunId,
            RunId = runId,
            Experiment = options.Experiment,
            Number = number,
            Attempt = attempt,
            Parameters = Space.ToValues(point),
            Objective = definition.Objective,
        };
        lock (gate)
        {
            inFlight.Add(live);
        }

        live.Task = Task.Run(() => runner.RunTrialAsync(spec, live, live.Token), CancellationToken.None);
        options.Observer?.TrialStarted(live.Snapshot(RunStatus.Running, started.StartTime));
    }

    private async Task<RunStatus> FinishAsync(LiveTrial live, bool stopping, long startedAt, TimeSpan elapsedBefore, CancellationToken cancellationToken)
    {
        TrialOutcome outcome;
        try
        {
            outcome = await live.Task!.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            outcome = TrialOutcome.Cancelled();
        }
        catch (Exception e)
        {
            outcome = TrialOutcome.Failed(e.Message);
        }

        var (status, objective, message) = outcome.Kind switch
        {
            TrialOutcomeKind.Succeeded when outcome.Objective is not { } v || double.IsNaN(v) => (RunStatus.Failed, (double?)null, "the trial returned no objective value"),
            TrialOutcomeKind.Succeeded => (RunStatus.Succeeded, outcome.Objective, outcome.Message),
            _ when live.IsPruned => (RunStatus.Pruned, null, live.PruneMessage ?? outcome.Message),
            TrialOutcomeKind.Pruned => (RunStatus.Pruned, null, outcome.Message),
            _ when live.Stopped || stopping => (RunStatus.Cancelled, null, "the sweep stopped before the trial ended; it restarts on resume"),
            TrialOutcomeKind.Cancelled => (RunStatus.Cancelled, null, outcome.Message),
            _ => (RunStatus.Failed, null, outcome.Message ?? "failed"),
        };

        // Intermediate values first, then the result tags, then the status: a crash in between
        // leaves a non-terminal trial, which a resume restarts.
        await writer!.FlushAsync(cancellationToken).ConfigureAwait(false);
        var finished = status is RunStatus.Succeeded or RunStatus.Failed or RunStatus.Pruned;
        var tags = new Dictionary<string, string>();
        int? sequence = null;
        if (finished)
        {
            sequence = records.Count;
            tags[SweepTags.FinishSequence] = sequence.Value.ToString(CultureInfo.InvariantCulture);
            if (objective is { } o)
            {
                tags[SweepTags.Objective] = o.ToString("R", CultureInfo.InvariantCulture);
            }
        }

        if (message is not null)
        {
            tags[SweepTags.Message] = message;
        }

        if (tags.Count > 0)
        {
            await store.SetTagsAsync(live.RunId, tags, cancellationToken).ConfigureAwait(false);
        }

        if (objective is { } value)
        {
            await store.LogMetricsAsync([new MetricPoint(live.RunId, SweepTags.ObjectiveMetric, value, 0, options.Time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
        }

        var result = await store.SetRunStatusAsync(live.RunId, new RunStatusUpdate(status, message), cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            inFlight.Remove(live);
        }

        var record = live.Snapshot(status, result.Run.StartTime) with
        {
            Objective = objective,
            FinishSequence = sequence,
            Message = message,
            EndTime = result.Run.EndTime,
        };
        if (finished)
        {
            records.Add(record);
            var previousBest = best;
            AddFinished(record, live.Point);
            var sweepTags = new Dictionary<string, string>();
            if (!ReferenceEquals(best, previousBest) && best is not null)
            {
                sweepTags[SweepTags.BestTrial] = best.Number.ToString(CultureInfo.InvariantCulture);
                await store.LogMetricsAsync([new MetricPoint(options.SweepRunId, SweepTags.BestObjectiveMetric, best.Objective!.Value, records.Count, options.Time.GetUtcNow())], cancellationToken).ConfigureAwait(false);
            }

            // The elapsed time (for a time limit across resumes) at most once a second: a crash
            // loses under a second of accounting, short trials save a write each.
            if (sweepTags.Count > 0 || options.Time.GetElapsedTime(lastElapsedWrite) >= TimeSpan.FromSeconds(1))
            {
                sweepTags[SweepTags.ElapsedSeconds] = Elapsed(startedAt, elapsedBefore);
                lastElapsedWrite = options.Time.GetTimestamp();
                await store.SetTagsAsync(options.SweepRunId, sweepTags, cancellationToken).ConfigureAwait(false);
            }
        }

        options.Observer?.TrialFinished(record);
        return status;
    }

    private string Elapsed(long startedAt, TimeSpan before) =>
        (before + options.Time.GetElapsedTime(startedAt)).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string StopWord(SweepStopReason reason) => reason switch
    {
        SweepStopReason.Completed => "completed",
        SweepStopReason.Exhausted => "exhausted",
        SweepStopReason.TimeLimit => "time_limit",
        SweepStopReason.MaxFailed => "max_failed",
        _ => "cancelled",
    };

    /// <summary>A trial in flight: the runner's reporter, its cancellation, its intermediate values.</summary>
    private sealed class LiveTrial(SweepEngine engine, int number, string runId, double[] point, IReadOnlyDictionary<string, string> parameters, int proposedAfter, int attempt) : ITrialReporter
    {
        private readonly CancellationTokenSource cts = new();
        private readonly List<IntermediateValue> values = [];
        private volatile bool pruned;
        private volatile bool stopped;

        public int Number => number;

        public string RunId => runId;

        public double[] Point => point;

        public Task<TrialOutcome>? Task { get; set; }

        public CancellationToken Token => cts.Token;

        public bool IsPruned => pruned;

        public bool Stopped => stopped;

        public string? PruneMessage { get; private set; }

        public void Stop()
        {
            stopped = true;
            cts.Cancel();
        }

        public bool Report(string metric, long step, double value)
        {
            if (pruned)
            {
                return true;
            }

            engine.writer!.Log(runId, metric, value, step);
            var p = engine.pruner;
            if (p is null || metric != p.Metric)
            {
                engine.options.Observer?.TrialReported(Snapshot(RunStatus.Running, null), metric, new IntermediateValue(step, value));
                return false;
            }

            bool prune;
            lock (engine.gate)
            {
                var index = values.FindIndex(v => v.Step >= step);
                if (index < 0)
                {
                    values.Add(new IntermediateValue(step, value));
                }
                else if (values[index].Step == step)
                {
                    values[index] = new IntermediateValue(step, value);
                }
                else
                {
                    values.Insert(index, new IntermediateValue(step, value));
                }

                var others = new List<TrialProgress>(engine.finishedProgress.Count + engine.inFlight.Count);
                others.AddRange(engine.finishedProgress);
                foreach (var t in engine.inFlight)
                {
                    if (t != this)
                    {
                        others.Add(new TrialProgress(t.Number, TrialState.Running, [.. t.values]));
                    }
                }

                prune = !stopped && p.ShouldPrune(new PruneContext(number, [.. values], others));
                if (prune)
                {
                    pruned = true;
                    PruneMessage = string.Create(CultureInfo.InvariantCulture, $"pruned by {p.Name} at step {step} ({metric} = {value})");
                }
            }

            engine.options.Observer?.TrialReported(Snapshot(RunStatus.Running, null), metric, new IntermediateValue(step, value));
            if (prune)
            {
                // Cancel at once: the runner ends the trial's processes on this token.
                cts.Cancel();
            }

            return prune;
        }

        public SweepTrialRecord Snapshot(RunStatus status, DateTimeOffset? startTime)
        {
            ImmutableArray<IntermediateValue> intermediates;
            lock (engine.gate)
            {
                intermediates = [.. values];
            }

            return new SweepTrialRecord
            {
                Number = number,
                RunId = runId,
                Status = status,
                Params = parameters,
                ProposedAfter = proposedAfter,
                Attempt = attempt,
                StartTime = startTime,
                Intermediates = intermediates,
            };
        }
    }
}
