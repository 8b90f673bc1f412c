using System.Text.Json;
using MLOps.Plan;
using MLOps.Runtime.Caching;
using MLOps.Runtime.Contract;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Values;
using MLOps.Tracking;
using MLOps.Tracking.Artifacts;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Scheduling;

/// <summary>How a step instance ended.</summary>
internal sealed record StepOutcome(StepState State, IReadOnlyDictionary<string, PlanValue> Outputs, string? Message, int Attempts);

/// <summary>What a step instance needs from its run: the stores, where files go, who to tell.</summary>
internal sealed record StepRunContext(
    RunRequest Request,
    string RunId,
    string Experiment,
    RunLayout Layout,
    TrackingStores Stores,
    IMetricWriter Metrics,
    IRunObserver Observer,
    string PythonHelper,
    bool Resumed,
    RunWrites Writes);

/// <summary>
/// The life of one step instance: reuse a result it already has (resume) or that the cache has,
/// else run attempts on its executor (retry with backoff, timeout, cancel), stream its metrics,
/// validate and store its outputs, and record every transition so a killed mlpc can pick up here.
/// </summary>
internal sealed class StepExecution(
    StepRunContext run,
    NodeItem item,
    IReadOnlyList<KeyValuePair<string, PlanValue>> inputs,
    IExecutor executor,
    ExecutionMonitor monitor,
    PlanTarget target,
    int[] gpus)
{
    private readonly PlanNode node = item.Node;
    private readonly string stepRunId = StepRun(run, item).RunId;
    private readonly PendingWrites writes = new();
    private DateTimeOffset? startedAt;
    private int attempt;

    private string OutputDirectory => run.Layout.OutputDirectory(item.InstanceId);

    public async Task<StepOutcome> RunAsync(CancellationToken cancellationToken)
    {
        StepOutcome outcome;
        try
        {
            outcome = await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            SetStatus(RunStatus.Cancelled, "cancelled");
            outcome = Report(new StepOutcome(StepState.Cancelled, Empty, "cancelled", attempt));
        }
        catch (Exception e) when (e is RuntimeEvaluationException or IOException or JsonException or UnauthorizedAccessException)
        {
            SetStatus(RunStatus.Failed, e.Message);
            outcome = Report(new StepOutcome(StepState.Failed, Empty, e.Message, attempt));
        }

        // The run goes on without waiting for the store: its writes land in the order issued, so
        // nothing a later step writes can be on disk without this step's record.
        _ = writes.HandTo(run.Writes);
        return outcome;
    }

    /// <summary>The handle of an attempt recorded before its submission returned.</summary>
    private const string PendingHandle = "pending";

    /// <summary>The step run of a node instance: its id is derived, so creating it again (resume) finds the same row.</summary>
    internal static NewRun StepRun(StepRunContext run, NodeItem item) => new()
    {
        RunId = run.RunId + "/" + item.InstanceId,
        Experiment = run.Experiment,
        Kind = RunKind.Step,
        Name = item.InstanceId,
        ParentRunId = run.RunId,
        NodeInstanceId = item.InstanceId,
        Pipeline = run.Request.Plan.Pipeline,
    };

    private static readonly IReadOnlyDictionary<string, PlanValue> Empty = new Dictionary<string, PlanValue>();

    private async Task<StepOutcome> RunCoreAsync(CancellationToken ct)
    {
        var previous = await CreateStepRunAsync().ConfigureAwait(false);

        var key = CacheKey.Compute(node, inputs);
        var firstAttempt = 1;
        if (run.Resumed)
        {
            var resumed = await ResumeAsync(previous, key, ct).ConfigureAwait(false);
            if (resumed.Outcome is not null)
            {
                return Report(resumed.Outcome);
            }

            firstAttempt = resumed.NextAttempt;
        }

        writes.Add(run.Stores.Runs.SetCacheKeyAsync(stepRunId, key.Key, key.ComponentsJson, CancellationToken.None));
        if (!node.Cache.Enabled)
        {
            writes.Add(run.Stores.Runs.SetTagsAsync(stepRunId, new Dictionary<string, string> { [Inspection.CacheTags.Disabled] = "off" }, CancellationToken.None));
        }

        if (!node.Cache.Enabled || firstAttempt != 1)
        {
            return await RunAttemptsAsync(firstAttempt, ct).ConfigureAwait(false);
        }

        // The same step with the same key running in another run of this process (parallel sweep
        // trials) runs once: this one waits for it and then takes its result from the cache.
        var flight = run.Stores.Uri + "|" + key.Key;
        while (!CacheFlights.TryLead(flight, out var other))
        {
            Report(StepState.Queued, "waiting for the same step (same cache key) in another run");
            await other.WaitAsync(ct).ConfigureAwait(false);
        }

        var landing = false;
        try
        {
            var outcome = await TryCacheAsync(key, ct).ConfigureAwait(false) is { } cached
                ? Report(cached)
                : await RunAttemptsAsync(firstAttempt, ct).ConfigureAwait(false);
            // Those waiting for this key look it up in the store once this step's writes are there.
            _ = writes.HandTo(run.Writes).ContinueWith(static (_, f) => CacheFlights.Land((string)f!), flight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            landing = true;
            return outcome;
        }
        finally
        {
            if (!landing)
            {
                CacheFlights.Land(flight);
            }
        }
    }

    private async Task<StepOutcome> RunAttemptsAsync(int firstAttempt, CancellationToken ct)
    {
        var failures = 0;
        for (attempt = firstAttempt; ; attempt++)
        {
            var resolved = Resolve(attempt);
            Directory.CreateDirectory(OutputDirectory);
            Directory.CreateDirectory(run.Layout.ScratchDirectory(item.InstanceId));
            // Its existence tells a restarted mlpc to ask the executor for a submission it never recorded.
            Directory.CreateDirectory(run.Layout.AttemptDirectory(item.InstanceId, attempt));
            if (!executor.FindsSubmissions)
            {
                // Nothing but this record would let a mlpc killed right after the submit find the attempt.
                RecordHandle(resolved, new ExecutionHandle(executor.Kind, PendingHandle, item.InstanceId, resolved.StdoutPath, resolved.StderrPath));
                await writes.FlushAsync().ConfigureAwait(false);
            }

            ct.ThrowIfCancellationRequested();
            ExecutionHandle handle;
            try
            {
                handle = await executor.SubmitAsync(resolved, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                EndAttempt(new StepAttemptEnd("failed", null, "could not submit: " + e.Message));
                SetStatus(RunStatus.Failed, e.Message);
                return Report(new StepOutcome(StepState.Failed, Empty, $"{executor.Kind} refused the step: {e.Message}", attempt));
            }

            RecordHandle(resolved, handle);
            startedAt ??= DateTimeOffset.UtcNow;
            SetStatus(RunStatus.Running, null);
            Report(StepState.Running, null);
            var status = await WaitAsync(handle, resolved, ct).ConfigureAwait(false);
            EndAttempt(new StepAttemptEnd(StateWord(status.State), status.ExitCode, status.Message));
            await KeepLogsAsync(resolved).ConfigureAwait(false);
            if (status.State == ExecutionState.Cancelled && ct.IsCancellationRequested)
            {
                throw new OperationCanceledException(ct);
            }

            if (status.State == ExecutionState.Succeeded)
            {
                return Report(await FinishAsync().ConfigureAwait(false));
            }

            // A submission lost with its mlpc is not the step's fault: it does not use up a retry.
            if (status.State != ExecutionState.Lost)
            {
                failures++;
            }

            var why = Describe(status);
            if (failures >= node.Retry.Attempts)
            {
                var message = node.Retry.Attempts > 1 ? $"{why} (attempt {attempt}, no retries left)" : why;
                SetStatus(RunStatus.Failed, message);
                return Report(new StepOutcome(StepState.Failed, Empty, message, attempt));
            }

            var backoff = node.Retry.BackoffSeconds * Math.Pow(node.Retry.Factor, failures - 1);
            Report(StepState.Retrying, $"{why}; retrying in {backoff:0.#}s");
            await Task.Delay(TimeSpan.FromSeconds(backoff), ct).ConfigureAwait(false);
        }
    }

    private string Describe(ExecutionStatus status) => status.State switch
    {
        ExecutionState.TimedOut => status.Message ?? $"timed out after {node.TimeoutSeconds:0.#}s",
        ExecutionState.OutOfMemory => status.Message ?? "ran out of memory",
        _ => status.Message ?? StateWord(status.State),
    } + LogHint();

    private string LogHint() => $"; see mlpc logs {run.RunId} {item.InstanceId}";

    /// <summary>How often a running step's metrics file is read.</summary>
    private static readonly TimeSpan MetricsPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Waits for the end while following metrics; ends the submission on timeout or cancel.</summary>
    private async Task<ExecutionStatus> WaitAsync(ExecutionHandle handle, ResolvedNode resolved, CancellationToken ct)
    {
        var metricsPath = resolved.Env[StepContract.MetricsFile];
        var tail = new MetricsTail(metricsPath, stepRunId, OnMetric, w => run.Observer.Warning(item.InstanceId + ": " + w));
        using var timeout = new CancellationTokenSource();
        var timeLimit = node.TimeoutSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        if (timeLimit is { } limit && executor.Kind == "local")
        {
            timeout.CancelAfter(limit);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var watch = monitor.WatchAsync(handle, s =>
        {
            // The clock of a cluster step starts when it starts running, not while it queues.
            if (s.State == ExecutionState.Running && timeLimit is { } l && executor.Kind != "local")
            {
                timeout.CancelAfter(l);
            }
        });
        while (!watch.IsCompleted && !stop.IsCancellationRequested)
        {
            // Not Task.Delay: its timer outlived every step that ended sooner, and firing hundreds
            // of them a second was the busiest managed code in a profile of a 4,000-step fan-out.
            await ((Task)watch.WaitAsync(MetricsPollInterval, stop.Token)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            tail.Poll();
        }

        if (watch.IsCompleted)
        {
            var done = await watch.ConfigureAwait(false);
            tail.Poll();
            return done;
        }

        await executor.CancelAsync(handle, CancellationToken.None).ConfigureAwait(false);
        var ended = await watch.ConfigureAwait(false);
        tail.Poll();
        if (ct.IsCancellationRequested)
        {
            return new ExecutionStatus(ExecutionState.Cancelled, ended.ExitCode, "cancelled");
        }

        return new ExecutionStatus(ExecutionState.TimedOut, ended.ExitCode, $"timed out after {FormatDuration(timeLimit!.Value)} (the step's timeout); its processes were ended");
    }

    private void OnMetric(MetricPoint point)
    {
        run.Metrics.Log(point);
        run.Request.OnMetric?.Invoke(point);
    }

    /// <summary>Validates and stores the outputs of a succeeded attempt, then marks the step succeeded.</summary>
    private async Task<StepOutcome> FinishAsync()
    {
        var problems = new List<string>();
        var outputs = new Dictionary<string, PlanValue>();
        foreach (var output in node.Outputs)
        {
            var path = OutputPath(output);
            var errors = OutputValidator.Validate(output.Name, output.Type, path);
            if (errors.Count > 0)
            {
                problems.AddRange(errors);
                continue;
            }

            var stored = await run.Stores.Artifacts.PutAsync(path, CancellationToken.None).ConfigureAwait(false);
            LogOutput(output.Name, stored);
            outputs[output.Name] = ReadOutput(output, path, stored.Digest);
        }

        if (problems.Count > 0)
        {
            var message = "the step succeeded but broke its contract: " + string.Join("; ", problems);
            SetStatus(RunStatus.Failed, message);
            return new StepOutcome(StepState.Failed, Empty, message, attempt);
        }

        LogInputs();
        LogOutputMetrics(outputs);
        SetStatus(RunStatus.Succeeded, null);
        return new StepOutcome(StepState.Succeeded, outputs, null, attempt);
    }

    private static PlanValue ReadOutput(PlanOutput output, string path, string digest)
    {
        if (output.Type is ArtifactPlanType)
        {
            return new ArtifactValue(path, digest);
        }

        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return RuntimeValues.FromJson(doc.RootElement, output.Type);
    }

    /// <summary>Numbers in record outputs become the step's metrics (<c>metrics.auc</c>), so search and compare see them.</summary>
    private void LogOutputMetrics(IReadOnlyDictionary<string, PlanValue> outputs)
    {
        foreach (var (name, value) in outputs)
        {
            if (value is MapValue)
            {
                foreach (var (metric, number) in RuntimeValues.NumericLeaves(value, name))
                {
                    run.Metrics.Log(stepRunId, metric, number);
                }
            }
        }
    }

    private void LogInputs()
    {
        foreach (var (name, value) in inputs)
        {
            foreach (var (index, artifact) in Artifacts(value))
            {
                writes.Add(run.Stores.Runs.LogArtifactAsync(new RunArtifact
                {
                    RunId = stepRunId,
                    Name = index is null ? name : $"{name}[{index}]",
                    Direction = ArtifactDirection.Input,
                    Uri = new Uri(Path.GetFullPath(artifact.Path)).AbsoluteUri,
                    Digest = artifact.Digest ?? "",
                    Size = 0,
                }, CancellationToken.None));
            }
        }

        var parameters = inputs.Where(i => i.Value is not ArtifactValue && !Artifacts(i.Value).Any())
            .ToDictionary(i => i.Key, i => RuntimeValues.Display(i.Value));
        if (parameters.Count > 0)
        {
            writes.Add(run.Stores.Runs.LogParamsAsync(stepRunId, parameters, CancellationToken.None));
        }
    }

    private static IEnumerable<(int? Index, ArtifactValue Artifact)> Artifacts(PlanValue value) => value switch
    {
        ArtifactValue a => [(null, a)],
        ListValue l => l.Items.Select((v, i) => ((int?)i, v as ArtifactValue)).Where(p => p.Item2 is not null).Select(p => (p.Item1, p.Item2!)),
        _ => [],
    };

    /// <summary>A result from an earlier run with the same key: its outputs are materialized here instead of running.</summary>
    private async Task<StepOutcome?> TryCacheAsync(CacheKey key, CancellationToken ct)
    {
        var hit = await run.Stores.Runs.FindSucceededByCacheKeyAsync(key.Key, ct).ConfigureAwait(false);
        if (hit is null || hit.RunId == stepRunId)
        {
            return null;
        }

        IReadOnlyDictionary<string, PlanValue>? outputs;
        try
        {
            outputs = await MaterializeAsync(hit.RunId, ct).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // A damaged object (its digest no longer matches) is a miss: running the step stores it again.
            run.Observer.Warning($"{item.InstanceId}: the cached result of {hit.RunId} cannot be used ({e.Message}); running the step");
            return null;
        }

        if (outputs is null)
        {
            run.Observer.Warning($"{item.InstanceId}: the cached result of {hit.RunId} is no longer in the artifact store; running the step");
            return null;
        }

        writes.Add(run.Stores.Runs.MarkCachedAsync(stepRunId, hit.RunId, CancellationToken.None));
        LogOutputMetrics(outputs);
        return new StepOutcome(StepState.Cached, outputs, "reused " + hit.RunId, 0);
    }

    /// <summary>Puts the outputs another step run stored into this step's output folder; null when one is missing.</summary>
    private async Task<IReadOnlyDictionary<string, PlanValue>?> MaterializeAsync(string fromRunId, CancellationToken ct)
    {
        var artifacts = (await run.Stores.Runs.GetArtifactsAsync(fromRunId, ct).ConfigureAwait(false))
            .Where(a => a.Direction == ArtifactDirection.Output).ToDictionary(a => a.Name);
        var outputs = new Dictionary<string, PlanValue>();
        Directory.CreateDirectory(OutputDirectory);
        foreach (var output in node.Outputs)
        {
            if (!artifacts.TryGetValue(output.Name, out var artifact) || !await run.Stores.Artifacts.ExistsAsync(artifact.Digest, ct).ConfigureAwait(false))
            {
                return null;
            }

            var path = OutputPath(output);
            if (fromRunId != stepRunId || !File.Exists(path) && !Directory.Exists(path))
            {
                DeletePath(path);
                await run.Stores.Artifacts.MaterializeAsync(artifact.Digest, path, ct).ConfigureAwait(false);
            }

            if (fromRunId != stepRunId)
            {
                writes.Add(run.Stores.Runs.LogArtifactAsync(artifact with { RunId = stepRunId }, CancellationToken.None));
            }

            outputs[output.Name] = ReadOutput(output, path, artifact.Digest);
        }

        return outputs;
    }

    private readonly record struct Resumption(StepOutcome? Outcome, int NextAttempt);

    /// <summary>
    /// This step may have been started by an earlier mlpc of the same run (<paramref name="previous"/>
    /// is its step run, or null when the store never received it): reuse what it finished, follow a
    /// submission that is still running (or learn how it ended), and otherwise go on with the next attempt.
    /// </summary>
    private async Task<Resumption> ResumeAsync(RunRecord? previous, CacheKey key, CancellationToken ct)
    {
        if (previous?.Status is RunStatus.Succeeded or RunStatus.Cached)
        {
            var outputs = await MaterializeAsync(stepRunId, ct).ConfigureAwait(false);
            if (outputs is not null)
            {
                return new Resumption(new StepOutcome(previous.Status == RunStatus.Cached ? StepState.Cached : StepState.Succeeded, outputs, "finished before the resume", 0), 0);
            }
        }

        var attempts = previous is null ? [] : await run.Stores.Runs.GetAttemptsAsync(stepRunId, ct).ConfigureAwait(false);
        var last = attempts.MaxBy(a => a.Attempt);
        string? lastState;
        if (last is null || last.EndedAt is not null && last.State != StateWord(ExecutionState.Succeeded))
        {
            // Steps do not wait for the store before submitting: the next attempt may have been
            // submitted by a mlpc that died before its record reached the store.
            var next = (last?.Attempt ?? 0) + 1;
            if (!Directory.Exists(run.Layout.AttemptDirectory(item.InstanceId, next)))
            {
                return new Resumption(null, next);
            }

            var resolvedNext = Resolve(next);
            if (await executor.FindSubmissionAsync(resolvedNext, ct).ConfigureAwait(false) is not { } unrecorded)
            {
                return new Resumption(null, next);
            }

            attempt = next;
            RecordHandle(resolvedNext, unrecorded);
            lastState = await FollowAsync(unrecorded, resolvedNext, null, ct).ConfigureAwait(false);
        }
        else if (last.EndedAt is null)
        {
            attempt = last.Attempt;
            var resolved = Resolve(last.Attempt);
            var handle = last.HandleId != PendingHandle
                ? new ExecutionHandle(last.Executor, last.HandleId, item.InstanceId, last.StdoutPath ?? resolved.StdoutPath, last.StderrPath ?? resolved.StderrPath)
                : await executor.FindSubmissionAsync(resolved, ct).ConfigureAwait(false);
            if (handle is null)
            {
                EndAttempt(new StepAttemptEnd("lost", null, "mlpc was stopped before the step started"));
                return new Resumption(null, last.Attempt + 1);
            }

            if (last.HandleId == PendingHandle)
            {
                RecordHandle(resolved, handle);
            }

            lastState = await FollowAsync(handle, resolved, last.StartedAt, ct).ConfigureAwait(false);
        }
        else
        {
            attempt = last.Attempt;
            lastState = last.State;
        }

        // The attempt ended well but mlpc died before storing its outputs: store them now.
        if (lastState == StateWord(ExecutionState.Succeeded))
        {
            writes.Add(run.Stores.Runs.SetCacheKeyAsync(stepRunId, key.Key, key.ComponentsJson, CancellationToken.None));
            return new Resumption(await FinishAsync().ConfigureAwait(false), 0);
        }

        return new Resumption(null, attempt + 1);
    }

    /// <summary>Follows a submission an earlier mlpc made to its end (it may have ended already); its final state word.</summary>
    private async Task<string> FollowAsync(ExecutionHandle handle, ResolvedNode resolved, DateTimeOffset? started, CancellationToken ct)
    {
        var status = (await executor.GetStatusesAsync([handle], ct).ConfigureAwait(false))[0];
        if (!status.State.IsTerminal())
        {
            run.Observer.Info($"{item.InstanceId}: following attempt {attempt}, still running from the interrupted mlpc");
            startedAt = started ?? DateTimeOffset.UtcNow;
            Report(StepState.Running, "adopted from the interrupted run");
            status = await WaitAsync(handle, resolved, ct).ConfigureAwait(false);
        }

        EndAttempt(new StepAttemptEnd(StateWord(status.State), status.ExitCode, status.Message));
        await KeepLogsAsync(resolved).ConfigureAwait(false);
        return StateWord(status.State);
    }

    private ResolvedNode Resolve(int attemptNumber)
    {
        var inputValues = inputs.ToDictionary(i => i.Key, i => i.Value);
        var outputPaths = node.Outputs.ToDictionary(o => o.Name, OutputPath);
        var attemptDir = run.Layout.AttemptDirectory(item.InstanceId, attemptNumber);
        var env = new Dictionary<string, string>();
        foreach (var (name, value) in node.Env)
        {
            env[name] = CommandRenderer.Render(value, inputValues, outputPaths, quote: false);
        }

        env[StepContract.RunId] = run.RunId;
        env[StepContract.StepRunId] = stepRunId;
        env[StepContract.Step] = node.Step;
        env[StepContract.Node] = item.InstanceId;
        env[StepContract.Attempt] = attemptNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env[StepContract.OutputDir] = OutputDirectory;
        env[StepContract.WorkDir] = run.Layout.ScratchDirectory(item.InstanceId);
        env[StepContract.MetricsFile] = Path.Combine(attemptDir, "metrics.jsonl");
        env[StepContract.ProjectDir] = run.Request.ProjectDirectory;
        var pythonPath = Environment.GetEnvironmentVariable("PYTHONPATH");
        env["PYTHONPATH"] = string.IsNullOrEmpty(pythonPath) ? run.PythonHelper : run.PythonHelper + ":" + pythonPath;
        foreach (var (name, value) in inputValues)
        {
            var variable = StepContract.InputPrefix + StepContract.VariableSuffix(name);
            var structured = value is ListValue or MapValue;
            var text = structured ? RuntimeValues.ToJson(value) : value.ToCommandText();
            if (text.Length <= StepContract.InlineInputLimit)
            {
                env[variable] = text;
                continue;
            }

            var file = Path.Combine(attemptDir, "inputs", StepContract.VariableSuffix(name) + (structured ? ".json" : ".txt"));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, text);
            env[variable + StepContract.InputFileSuffix] = file;
        }

        foreach (var (name, path) in outputPaths)
        {
            env[StepContract.OutputPrefix + StepContract.VariableSuffix(name)] = path;
        }

        if (target.Kind == "local" && node.Resources.Gpu > 0)
        {
            env["CUDA_VISIBLE_DEVICES"] = string.Join(",", gpus);
        }
        else if (target.Kind == "local" && gpus.Length == 0 && node.Resources.Gpu == 0)
        {
            env["CUDA_VISIBLE_DEVICES"] = "";
        }

        return new ResolvedNode
        {
            RunId = run.RunId,
            NodeInstanceId = item.InstanceId,
            Attempt = attemptNumber,
            Command = CommandRenderer.Render(node.Command, inputValues, outputPaths),
            Image = node.Image,
            Env = env,
            Resources = node.Resources,
            TimeoutSeconds = node.TimeoutSeconds,
            Target = target,
            WorkDir = run.Request.ProjectDirectory,
            StdoutPath = Path.Combine(attemptDir, "stdout.log"),
            StderrPath = Path.Combine(attemptDir, "stderr.log"),
        };
    }

    private string OutputPath(PlanOutput output) =>
        Path.Combine(OutputDirectory, output.Type is ArtifactPlanType ? output.Name : StepContract.ValueFileName(output.Name));

    private void RecordHandle(ResolvedNode resolved, ExecutionHandle handle) =>
        writes.Add(run.Stores.Runs.RecordAttemptAsync(new StepAttempt
        {
            RunId = stepRunId,
            Attempt = resolved.Attempt,
            Executor = handle.Executor,
            HandleId = handle.Id,
            StdoutPath = handle.StdoutPath,
            StderrPath = handle.StderrPath,
            OwnerHost = Environment.MachineName,
            OwnerPid = Environment.ProcessId,
            StartedAt = DateTimeOffset.UtcNow,
        }, CancellationToken.None));

    /// <summary>Records a stored file or folder as an output of this step run.</summary>
    private void LogOutput(string name, StoredArtifact stored) =>
        writes.Add(run.Stores.Runs.LogArtifactAsync(new RunArtifact
        {
            RunId = stepRunId,
            Name = name,
            Direction = ArtifactDirection.Output,
            Uri = stored.Uri,
            Digest = stored.Digest,
            Size = stored.Size,
            IsDirectory = stored.IsDirectory,
        }, CancellationToken.None));

    private void EndAttempt(StepAttemptEnd end) => writes.Add(run.Stores.Runs.EndAttemptAsync(stepRunId, attempt, end, CancellationToken.None));

    /// <summary>stdout and stderr of the attempt become artifacts of the step run (empty ones are left out).</summary>
    private async Task KeepLogsAsync(ResolvedNode resolved)
    {
        foreach (var (name, path) in new[] { ("stdout", resolved.StdoutPath), ("stderr", resolved.StderrPath) })
        {
            if (File.Exists(path) && new FileInfo(path).Length > 0)
            {
                LogOutput($"logs/attempt-{resolved.Attempt}/{name}", await run.Stores.Artifacts.PutFileAsync(path, CancellationToken.None).ConfigureAwait(false));
            }
        }
    }

    private void SetStatus(RunStatus status, string? message) =>
        writes.Add(run.Stores.Runs.SetRunStatusAsync(stepRunId, new RunStatusUpdate(status, message), CancellationToken.None));

    /// <summary>
    /// The step run as an earlier mlpc of this run left it, or null when it is new. In a new run no
    /// step run exists yet, so its creation is not waited for.
    /// </summary>
    private async Task<RunRecord?> CreateStepRunAsync()
    {
        var created = run.Stores.Runs.CreateRunAsync(StepRun(run, item), CancellationToken.None);
        if (!run.Resumed)
        {
            writes.Add(created);
            return null;
        }

        var result = await created.ConfigureAwait(false);
        return result.Created ? null : result.Run;
    }

    private void Report(StepState state, string? message) =>
        run.Observer.StepChanged(new StepProgress(item.InstanceId, node.Step, state, attempt, startedAt, state.IsTerminal() ? DateTimeOffset.UtcNow : null, message));

    private StepOutcome Report(StepOutcome outcome)
    {
        Report(outcome.State, outcome.Message);
        return outcome;
    }

    private static void DeletePath(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    internal static string StateWord(ExecutionState state) => state switch
    {
        ExecutionState.Succeeded => "succeeded",
        ExecutionState.Failed => "failed",
        ExecutionState.Cancelled => "cancelled",
        ExecutionState.TimedOut => "timed_out",
        ExecutionState.OutOfMemory => "out_of_memory",
        ExecutionState.NodeFailure => "node_failure",
        ExecutionState.Lost => "lost",
        ExecutionState.Pending => "pending",
        _ => "running",
    };

    private static string FormatDuration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{t.TotalHours:0.#}h" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#}m" : $"{t.TotalSeconds:0.#}s";
}

/// <summary>Cache keys being computed in this process right now, so concurrent runs compute each once.</summary>
internal static class CacheFlights
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Flights = new();

    /// <summary>True when the caller now computes the key; otherwise <paramref name="wait"/> ends when the one computing it is done.</summary>
    public static bool TryLead(string key, out Task wait)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = Flights.GetOrAdd(key, mine);
        wait = current.Task;
        return ReferenceEquals(current, mine);
    }

    public static void Land(string key)
    {
        if (Flights.TryRemove(key, out var flight))
        {
            flight.TrySetResult();
        }
    }
}
