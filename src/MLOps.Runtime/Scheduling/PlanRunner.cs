using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using MLOps.Plan;
using MLOps.Runtime.Contract;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Values;
using MLOps.Tracking;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;

namespace MLOps.Runtime.Scheduling;

/// <summary>Why a run could not start: every problem found before anything ran.</summary>
public sealed class RunRefusedException(IReadOnlyList<string> problems) : Exception(string.Join("\n", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Runs a plan: starts each step when its inputs are ready, as many at once as allowed, on its
/// target's executor; evaluates conditions, expands fan-outs, registers models; records
/// everything in the tracking store as it happens, so a run whose mlpc was killed can be
/// finished by the next one without repeating completed steps.
/// </summary>
public sealed class PlanRunner(TrackingStores stores, IExecutorProvider executors, IRunObserver? observer = null, MachineResources? machine = null)
{
    public const string OwnerTag = "mlpc.owner";
    public const string PlanTag = "mlpc.plan";
    public const string ProjectTag = "mlpc.project";

    private readonly IExecutorProvider executors = executors;
    private readonly IRunObserver observer = observer ?? NullRunObserver.Instance;
    private readonly MachineResources machine = machine ?? MachineResources.Detect();

    /// <summary>sha256 of a plan's JSON bytes.</summary>
    public static string DigestOf(string planJson) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(planJson)));

    public async Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var plan = request.Plan;
        Preflight(plan);
        var experiment = request.Experiment ?? plan.Pipeline;
        var (runId, resumed) = await ChooseRunAsync(request, experiment, cancellationToken).ConfigureAwait(false);
        var layout = new RunLayout(request.WorkRoot, runId);
        Directory.CreateDirectory(layout.RunDirectory);
        using var runLock = TryLock(layout.LockPath)
            ?? throw new RunRefusedException([$"run {runId} is being run by another mlpc (its lock {layout.LockPath} is held)"]);

        // Issued together, committed together (the store keeps their order).
        var created = stores.Runs.CreateRunAsync(new NewRun
        {
            RunId = runId,
            Experiment = experiment,
            Kind = request.Kind,
            Name = plan.Pipeline,
            ParentRunId = request.ParentRunId,
            Pipeline = plan.Pipeline,
            SourceFile = plan.Source.File,
            SourceDigest = plan.Source.Digest,
            PlanDigest = request.PlanDigest,
            GitCommit = request.GitCommit,
        }, CancellationToken.None);
        var tagged = stores.Runs.SetTagsAsync(runId, new Dictionary<string, string>
        {
            [OwnerTag] = $"{Environment.MachineName}:{Environment.ProcessId}",
            [PlanTag] = request.PlanDigest,
            [ProjectTag] = request.ProjectDirectory,
        }, CancellationToken.None);
        var logged = stores.Runs.LogParamsAsync(runId, RunParams(request), CancellationToken.None);
        var running = stores.Runs.SetRunStatusAsync(runId, new RunStatusUpdate(RunStatus.Running, resumed ? "resumed" : null), CancellationToken.None);
        await Task.WhenAll(created, tagged, logged, running).ConfigureAwait(false);
        observer.RunStarted(runId, experiment, resumed);

        await using var metrics = stores.Runs.CreateMetricWriter();
        var context = new StepRunContext(request, runId, experiment, layout, stores, metrics, observer,
            StepContract.InstallPythonHelper(Path.GetFullPath(Path.Combine(request.WorkRoot, "..", "lib", "python"))), resumed, new RunWrites());
        var loop = new RunLoop(this, context, cancellationToken);
        await using (loop.ConfigureAwait(false))
        {
            await loop.RunAsync().ConfigureAwait(false);
        }

        if (await context.Writes.SettleAsync().ConfigureAwait(false) is { } storeFailure)
        {
            loop.Errors.Add("the tracking store could not record every step: " + storeFailure);
        }

        var outputs = new Dictionary<string, PlanValue>();
        string? message = null;
        var failed = loop.Steps.Where(s => s.State == StepState.Failed).ToList();
        var status = cancellationToken.IsCancellationRequested ? RunStatus.Cancelled
            : failed.Count > 0 || loop.Errors.Count > 0 ? RunStatus.Failed
            : RunStatus.Succeeded;
        if (status == RunStatus.Succeeded)
        {
            try
            {
                outputs = await LogOutputsAsync(runId, plan, loop.Graph, metrics).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RuntimeEvaluationException or SkippedValueException)
            {
                status = RunStatus.Failed;
                loop.Errors.Add("the pipeline's outputs: " + e.Message);
            }
        }

        message = status switch
        {
            RunStatus.Cancelled => "cancelled",
            RunStatus.Failed => string.Join("; ", failed.Select(f => $"{f.InstanceId}: {f.Message}").Concat(loop.Errors)),
            _ => null,
        };
        await metrics.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        await stores.Runs.SetRunStatusAsync(runId, new RunStatusUpdate(status, message), CancellationToken.None).ConfigureAwait(false);
        return new RunResult(runId, status, resumed, loop.Steps.OrderBy(s => s.InstanceId, StringComparer.Ordinal).ToList(), outputs, loop.Registered, message);
    }

    /// <summary>Everything that would stop a step later is refused now, all at once.</summary>
    private void Preflight(ExecutionPlan plan)
    {
        var problems = new List<string>();
        foreach (var target in plan.Targets)
        {
            if (executors.Check(target) is { } why)
            {
                problems.Add($"target '{target.Name}' ({target.Kind}): {why}");
            }
        }

        foreach (var node in plan.Nodes)
        {
            var target = plan.Targets.FirstOrDefault(t => t.Name == node.Target);
            if (target is null)
            {
                problems.Add($"step '{node.Id}' runs on target '{node.Target}', which the plan does not define");
            }
            else if (target.Kind == "local" && machine.WhyCannotFit(node.Resources) is { } why)
            {
                problems.Add($"step '{node.Id}' {why}");
            }
        }

        if (problems.Count > 0)
        {
            throw new RunRefusedException(problems);
        }
    }

    private async Task<(string RunId, bool Resumed)> ChooseRunAsync(RunRequest request, string experiment, CancellationToken ct)
    {
        if (request.ResumeRunId is { } resume)
        {
            var run = await stores.Runs.GetRunAsync(resume, ct).ConfigureAwait(false)
                ?? throw new RunRefusedException([$"there is no run '{resume}' in {stores.Uri} to resume"]);
            if (run.PlanDigest != request.PlanDigest)
            {
                throw new RunRefusedException([$"run {resume} ran another plan (the source, its parameters or the compiler changed): start a new run instead; unchanged steps will come from the cache"]);
            }

            return (resume, true);
        }

        if (request.RunId is { } id)
        {
            return (id, await stores.Runs.GetRunAsync(id, ct).ConfigureAwait(false) is not null);
        }

        if (request.ResumeInterrupted && await FindInterruptedAsync(request, experiment, ct).ConfigureAwait(false) is { } interrupted)
        {
            observer.Info($"resuming run {interrupted}: it was interrupted (its mlpc stopped before it finished)");
            return (interrupted, true);
        }

        return (NewRunId(), false);
    }

    /// <summary>
    /// The newest run of the same plan that is still marked running (or queued: mlpc was killed
    /// right after creating it) but whose mlpc is gone (its lock is free).
    /// </summary>
    private async Task<string?> FindInterruptedAsync(RunRequest request, string experiment, CancellationToken ct)
    {
        var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest
        {
            Filter = $"experiment = {Quote(experiment)} and kind = {Quote(request.Kind.ToString().ToLowerInvariant())} and status in ('running', 'queued') and plan_digest = {Quote(request.PlanDigest)}",
            OrderBy = "created_time desc",
            Limit = 20,
        }, ct).ConfigureAwait(false);
        foreach (var run in page.Runs)
        {
            if (run.Run.ParentRunId != request.ParentRunId)
            {
                continue;
            }

            var layout = new RunLayout(request.WorkRoot, run.Run.RunId);
            using var probe = TryLock(layout.LockPath);
            if (probe is not null)
            {
                return run.Run.RunId;
            }
        }

        return null;
    }

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>Sortable and readable: <c>20261201-223701-3fa9c2</c>.</summary>
    public static string NewRunId() =>
        DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>An exclusive lock that the OS drops when the process dies, however it dies.</summary>
    private static FileStream? TryLock(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> RunParams(RunRequest request)
    {
        var result = new Dictionary<string, string>();
        foreach (var p in request.Plan.Params)
        {
            if (p.Value is not NullValue)
            {
                result[p.Name] = RuntimeValues.Display(p.Value);
            }
        }

        // A trial's swept values are logged by the sweep engine, in its own form.
        if (request.Kind != RunKind.Trial)
        {
            foreach (var (name, value) in request.Params)
            {
                result[name] = RuntimeValues.Display(value);
            }
        }

        return result;
    }

    private async Task<Dictionary<string, PlanValue>> LogOutputsAsync(string runId, ExecutionPlan plan, WorkGraph graph, IMetricWriter metrics)
    {
        var outputs = new Dictionary<string, PlanValue>();
        var scope = graph.ScopeOf([], []);
        foreach (var output in plan.Outputs)
        {
            PlanValue value;
            try
            {
                value = ExprEvaluator.Evaluate(output.Value, scope);
            }
            catch (SkippedValueException)
            {
                value = PlanValue.Null;
            }

            outputs[output.Name] = value;
            if (value is ArtifactValue { Digest: { } digest } artifact)
            {
                await stores.Runs.LogArtifactAsync(new RunArtifact
                {
                    RunId = runId,
                    Name = output.Name,
                    Direction = ArtifactDirection.Output,
                    Uri = new Uri(artifact.Path).AbsoluteUri,
                    Digest = digest,
                    Size = 0,
                }, CancellationToken.None).ConfigureAwait(false);
            }

            foreach (var (name, number) in RuntimeValues.NumericLeaves(value, output.Name))
            {
                metrics.Log(runId, name, number);
            }
        }

        return outputs;
    }

    /// <summary>One run's scheduling loop: items become ready, start, finish, and release their dependents.</summary>
    private sealed class RunLoop : IAsyncDisposable
    {
        private readonly PlanRunner owner;
        private readonly StepRunContext context;
        private readonly CancellationToken cancellation;
        private readonly List<WorkItem> ready = [];
        private readonly LinkedList<NodeItem> readyNodes = new();
        // The loop goes on on the thread that completed an item (no hop through the thread pool
        // between one step's end and the next one's start); only the loop reads.
        private readonly Channel<(WorkItem Item, Func<Task> Complete)> completions = Channel.CreateUnbounded<(WorkItem, Func<Task>)>(
            new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
        private readonly Dictionary<string, StepProgress> steps = [];
        private readonly Dictionary<IExecutor, ExecutionMonitor> monitors = [];
        private readonly ResourcePool pool;
        /// <summary>Completions the loop still waits for (steps, registrations, immediate ones).</summary>
        private int running;

        /// <summary>Steps handed to an executor: what --max-parallel bounds.</summary>
        private int runningSteps;

        public RunLoop(PlanRunner owner, StepRunContext context, CancellationToken cancellation)
        {
            this.owner = owner;
            this.context = context;
            this.cancellation = cancellation;
            pool = new ResourcePool(owner.machine);
            Graph = new WorkGraph(context.Request.Plan, context.Request.Params);
        }

        public WorkGraph Graph { get; }

        public List<string> Errors { get; } = [];

        public List<string> Registered { get; } = [];

        public IEnumerable<StepProgress> Steps => steps.Values;

        public async Task RunAsync()
        {
            Add(Graph.CreateTopLevel());
            while (true)
            {
                if (!cancellation.IsCancellationRequested && !context.Writes.HasFailed)
                {
                    await StartReadyAsync().ConfigureAwait(false);
                }

                if (running == 0)
                {
                    break;
                }

                var (_, complete) = await completions.Reader.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                running--;
                await complete().ConfigureAwait(false);
            }

            foreach (var instance in Graph.Instances.Where(i => !steps.ContainsKey(i.InstanceId) || !steps[i.InstanceId].State.IsTerminal()))
            {
                var state = cancellation.IsCancellationRequested ? StepState.Cancelled : StepState.NotRun;
                var why = instance.BlockedBy is { } b ? $"not run: '{b}' failed" : cancellation.IsCancellationRequested ? "cancelled before it started" : "not run";
                SetProgress(new StepProgress(instance.InstanceId, instance.Node.Step, state, 0, null, null, why));
            }
        }

        private void Add(IEnumerable<WorkItem> items)
        {
            foreach (var item in items)
            {
                if (item is NodeItem n)
                {
                    SetProgress(new StepProgress(n.InstanceId, n.Node.Step, StepState.Waiting, 0, null, null, null));
                }

                if (item.Remaining == 0)
                {
                    ready.Add(item);
                }
            }
        }

        private void SetProgress(StepProgress progress)
        {
            steps[progress.InstanceId] = progress;
            context.Observer.StepChanged(progress);
        }

        /// <summary>
        /// Starts what can start, in one pass over the ready items (items made ready meanwhile get
        /// their own pass); steps that must wait for a slot or for resources stay ready.
        /// </summary>
        private async Task StartReadyAsync()
        {
            while (true)
            {
                while (ready.Count > 0)
                {
                    var batch = ready.ToList();
                    ready.Clear();
                    foreach (var item in batch)
                    {
                        if (item.BlockedBy is not null)
                        {
                            await CompleteAsync(item, ItemOutcome.Failed).ConfigureAwait(false);
                            continue;
                        }

                        switch (item)
                        {
                            case NodeItem node:
                                readyNodes.AddLast(node);
                                break;
                            case ExpansionItem expansion:
                                Expand(expansion);
                                break;
                            case GroupItem group:
                                await CompleteAsync(group, ItemOutcome.Succeeded).ConfigureAwait(false);
                                break;
                            case RegistrationItem registration:
                                StartRegistration(registration);
                                break;
                        }
                    }
                }

                // Steps in the order they became ready; one that must wait for resources lets
                // later, smaller ones by. Stops as soon as every slot is taken.
                for (var n = readyNodes.First; n is not null && runningSteps < Math.Max(1, context.Request.MaxParallel);)
                {
                    var next = n.Next;
                    if (TryStart(n.Value))
                    {
                        readyNodes.Remove(n);
                    }

                    n = next;
                }

                if (ready.Count == 0)
                {
                    return;
                }
            }
        }

        /// <summary>Evaluates the step's condition and inputs now (they read finished steps), then hands it to its executor.</summary>
        private bool TryStart(NodeItem item)
        {
            var node = item.Node;
            if (runningSteps >= Math.Max(1, context.Request.MaxParallel))
            {
                return false;
            }

            var scope = Graph.ScopeOf(item.Chain, item.Indices);
            List<KeyValuePair<string, PlanValue>> inputs;
            try
            {
                if (node.Condition is { } condition && !ExprEvaluator.IsTrue(condition, scope))
                {
                    Skip(item, "its condition is false");
                    return true;
                }

                inputs = [.. node.Inputs.Select(i => new KeyValuePair<string, PlanValue>(i.Name, ExprEvaluator.Evaluate(i.Value, scope)))];
            }
            catch (SkippedValueException e)
            {
                Skip(item, $"it reads '{e.Node}', which did not run");
                return true;
            }
            catch (RuntimeEvaluationException e)
            {
                Fail(item, e.Message);
                return true;
            }

            var target = context.Request.Plan.Targets.First(t => t.Name == node.Target);
            var local = target.Kind == "local";
            var gpus = Array.Empty<int>();
            if (local && !pool.TryTake(node.Resources, out gpus))
            {
                return false;
            }

            IExecutor executor;
            try
            {
                executor = owner.executors.Get(target);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                if (local)
                {
                    pool.Release(node.Resources, gpus);
                }

                Fail(item, $"target '{target.Name}' ({target.Kind}) cannot be used: {e.Message}");
                return true;
            }

            if (!monitors.TryGetValue(executor, out var monitor))
            {
                monitor = new ExecutionMonitor(executor, TargetPollInterval(target), m => context.Observer.Warning(m));
                monitors[executor] = monitor;
            }

            SetProgress(new StepProgress(item.InstanceId, node.Step, StepState.Queued, 0, null, null, null));
            var execution = new StepExecution(context, item, inputs, executor, monitor, target, gpus);
            running++;
            runningSteps++;
            _ = Task.Run(async () =>
            {
                StepOutcome outcome;
                try
                {
                    outcome = await execution.RunAsync(cancellation).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    outcome = new StepOutcome(StepState.Failed, new Dictionary<string, PlanValue>(), "mlpc failed running it: " + e.Message, 0);
                }

                await completions.Writer.WriteAsync((item, () =>
                {
                    if (local)
                    {
                        pool.Release(node.Resources, gpus);
                    }

                    runningSteps--;
                    steps[item.InstanceId] = new StepProgress(item.InstanceId, node.Step, outcome.State, outcome.Attempts, null, DateTimeOffset.UtcNow, outcome.Message);
                    item.Outputs = outcome.Outputs;
                    return CompleteAsync(item, outcome.State switch
                    {
                        StepState.Succeeded or StepState.Cached => ItemOutcome.Succeeded,
                        StepState.Skipped => ItemOutcome.Skipped,
                        _ => ItemOutcome.Failed,
                    });
                }
                )).ConfigureAwait(false);
            });
            return true;
        }

        private TimeSpan TargetPollInterval(PlanTarget target) =>
            target.Properties.FirstOrDefault(p => p.Key == "poll_interval").Value is { } v && RuntimeValues.AsNumber(v) is { } seconds
                ? TimeSpan.FromSeconds(seconds)
                : context.Request.PollInterval;

        private void Skip(NodeItem item, string why)
        {
            SetProgress(new StepProgress(item.InstanceId, item.Node.Step, StepState.Skipped, 0, null, DateTimeOffset.UtcNow, "skipped: " + why));
            running++;
            _ = Task.Run(async () =>
            {
                try
                {
                    var stepRun = StepExecution.StepRun(context, item);
                    await context.Stores.Runs.CreateRunAsync(stepRun, CancellationToken.None).ConfigureAwait(false);
                    await context.Stores.Runs.SetRunStatusAsync(stepRun.RunId, new RunStatusUpdate(RunStatus.Skipped, why), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    context.Observer.Warning($"{item.InstanceId}: could not record that it was skipped: {e.Message}");
                }

                await completions.Writer.WriteAsync((item, () => CompleteAsync(item, ItemOutcome.Skipped))).ConfigureAwait(false);
            });
        }

        private void Fail(NodeItem item, string why)
        {
            SetProgress(new StepProgress(item.InstanceId, item.Node.Step, StepState.Failed, 0, null, DateTimeOffset.UtcNow, why));
            CompleteNow(item, ItemOutcome.Failed);
        }

        /// <summary>Completion of an item that did no asynchronous work: released through the channel like the rest.</summary>
        private void CompleteNow(WorkItem item, ItemOutcome outcome)
        {
            running++;
            completions.Writer.TryWrite((item, () => CompleteAsync(item, outcome)));
        }

        private void Expand(ExpansionItem expansion)
        {
            try
            {
                var scope = Graph.ScopeOf(expansion.ParentChain, expansion.Indices);
                expansion.Items = RuntimeValues.Items(ExprEvaluator.Evaluate(expansion.FanOut.Items, scope), $"the items of 'for {expansion.FanOut.Variable}'");
            }
            catch (Exception e) when (e is RuntimeEvaluationException or SkippedValueException)
            {
                Errors.Add($"{expansion.Name}: {e.Message}");
                CompleteNow(expansion, ItemOutcome.Failed);
                return;
            }

            Add(Graph.Expand(expansion));
            CompleteNow(expansion, ItemOutcome.Succeeded);
        }

        private void StartRegistration(RegistrationItem item)
        {
            running++;
            var scope = Graph.ScopeOf(item.Chain, item.Indices);
            _ = Task.Run(async () =>
            {
                ItemOutcome outcome;
                try
                {
                    outcome = await RegisterAsync(item, scope).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    lock (Errors)
                    {
                        Errors.Add($"{item.Name}: {e.Message}");
                    }

                    outcome = ItemOutcome.Failed;
                }

                await completions.Writer.WriteAsync((item, () => CompleteAsync(item, outcome))).ConfigureAwait(false);
            });
        }

        private async Task<ItemOutcome> RegisterAsync(RegistrationItem item, IExprScope scope)
        {
            // A version points at the run that made it, and policies read that run's records: they are stored first.
            if (await context.Writes.SettleAsync().ConfigureAwait(false) is { } storeFailure)
            {
                throw new InvalidOperationException("the tracking store could not record every step: " + storeFailure);
            }

            var registration = item.Registration;
            PlanValue artifact;
            PlanValue metrics = PlanValue.Null;
            PlanValue tags = PlanValue.Null;
            try
            {
                if (registration.Condition is { } condition && !ExprEvaluator.IsTrue(condition, scope))
                {
                    context.Observer.Info($"{item.Name}: not registered (its condition is false)");
                    return ItemOutcome.Skipped;
                }

                artifact = ExprEvaluator.Evaluate(registration.Artifact, scope);
                if (registration.Metrics is { } m)
                {
                    metrics = ExprEvaluator.Evaluate(m, scope);
                }

                if (registration.Tags is { } t)
                {
                    tags = ExprEvaluator.Evaluate(t, scope);
                }
            }
            catch (SkippedValueException e)
            {
                context.Observer.Info($"{item.Name}: not registered ('{e.Node}' did not run)");
                return ItemOutcome.Skipped;
            }

            if (artifact is not ArtifactValue { Digest: { } digest } value)
            {
                throw new RuntimeEvaluationException("the registered value is not a stored artifact");
            }

            // Re-running an unchanged pipeline registers nothing new: the same content keeps its version.
            var existing = (await context.Stores.Registry.ListVersionsAsync(registration.Model, CancellationToken.None).ConfigureAwait(false))
                .Where(v => v.ArtifactDigest == digest && v.SourceRunId != context.RunId).MaxBy(v => v.Version);
            if (existing is not null)
            {
                context.Observer.Info($"{registration.Model}: this model is already registered as v{existing.Version} (same content); no new version");
                return ItemOutcome.Succeeded;
            }

            var stored = await context.Stores.Artifacts.StatAsync(digest, CancellationToken.None).ConfigureAwait(false);
            var result = await context.Stores.Registry.RegisterAsync(new NewModelVersion
            {
                Model = registration.Model,
                SourceRunId = context.RunId,
                ArtifactUri = stored?.Uri ?? new Uri(value.Path).AbsoluteUri,
                ArtifactDigest = digest,
                MetricsJson = metrics is MapValue ? RuntimeValues.ToJson(metrics) : "{}",
                Tags = tags is MapValue map ? map.Entries.ToDictionary(e => e.Key, e => RuntimeValues.Display(e.Value)) : new Dictionary<string, string>(),
                IdempotencyKey = $"{context.RunId}/{registration.Id}{WorkItem.Suffix(item.Indices)}",
            }, CancellationToken.None).ConfigureAwait(false);
            var version = result.Version;
            lock (Registered)
            {
                Registered.Add($"{version.Model} v{version.Version}");
            }

            await context.Stores.Runs.SetTagsAsync(context.RunId, new Dictionary<string, string> { ["registered." + version.Model] = version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture) }, CancellationToken.None).ConfigureAwait(false);
            context.Observer.Info(result.Created ? $"registered {version.Model} v{version.Version}" : $"{version.Model} v{version.Version} was registered by this run before the resume");
            if (context.Request.AfterRegister is { } hook && context.Request.Plan.Policies.Any(p => p.Model == version.Model))
            {
                if (await hook.AfterRegisterAsync(context.Request.Plan, version, CancellationToken.None).ConfigureAwait(false) is { } line)
                {
                    context.Observer.Info(line);
                }
            }

            return ItemOutcome.Succeeded;
        }

        /// <summary>Marks the item done and releases dependents; a failed item blocks everything downstream.</summary>
        private Task CompleteAsync(WorkItem item, ItemOutcome outcome)
        {
            item.Outcome = outcome;
            foreach (var dependent in item.Dependents)
            {
                if (outcome == ItemOutcome.Failed)
                {
                    dependent.BlockedBy ??= item.BlockedBy ?? item.Name;
                }

                dependent.Remaining--;
                if (dependent.Remaining == 0)
                {
                    ready.Add(dependent);
                }
            }

            return Task.CompletedTask;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var monitor in monitors.Values)
            {
                await monitor.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
