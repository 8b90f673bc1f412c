using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using MLOps.Backends.Slurm.Api;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using Refit;

namespace MLOps.Backends.Slurm;

/// <summary>
/// Runs nodes as Slurm batch jobs through slurmrestd. One executor serves one slurm target.
/// Statuses of any number of jobs come from one <c>GET /jobs</c>; logs are the job's stdout/stderr
/// files in the node's folder on the shared filesystem; cancel is <c>DELETE /job/{id}</c>.
/// Retries are the runtime's: this never resubmits. Slurm's own requeues (preemption, node
/// failure, <c>scontrol requeue</c>) keep the job id, so the job is followed through them.
/// </summary>
public sealed class SlurmExecutor : IBatchExecutor
{
    /// <summary>The API versions this client speaks, preferred first.</summary>
    public static readonly IReadOnlyList<string> SupportedVersions = ["v0.0.38", "v0.0.37", "v0.0.36"];

    private const long MiB = 1024 * 1024;

    private readonly HttpClient http;
    private readonly ConcurrentDictionary<string, Tracked> tracked = new();
    private readonly ConcurrentDictionary<string, ExecutionStatus> finished = new();

    private SlurmExecutor(SlurmTargetOptions options, HttpClient http, ISlurmRestApi api, string version)
    {
        Options = options;
        this.http = http;
        Api = api;
        ApiVersion = version;
    }

    public string Kind => "slurm";

    /// <summary>A job is found by its name, which says run, node and attempt (see <see cref="JobName"/>).</summary>
    public bool FindsSubmissions => true;

    public SlurmTargetOptions Options { get; }

    /// <summary>The API version chosen by asking the server (v0.0.38, else v0.0.37, else v0.0.36).</summary>
    public string ApiVersion { get; }

    /// <summary>The REST client (for tests and tools that need more than the executor contract).</summary>
    public ISlurmRestApi Api { get; }

    /// <summary>Requests sent so far (status polls count one each, whatever the number of handles).</summary>
    public int RequestCount => counter.Count;

    private readonly RequestCounter counter = new();

    /// <summary>
    /// The executor for a slurm target of a plan: reads its properties (<c>env("...")</c> values from
    /// <paramref name="environment"/>, default the process environment), finds the token, asks the
    /// server which API version it serves and checks that the token is accepted.
    /// </summary>
    public static Task<SlurmExecutor> CreateAsync(PlanTarget target, Func<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        environment ??= System.Environment.GetEnvironmentVariable;
        var options = SlurmTargetOptions.FromTarget(target, environment);
        return CreateAsync(options, SlurmTokenSource.For(options, environment), null, cancellationToken);
    }

    /// <summary><see cref="CreateAsync(PlanTarget, Func{string, string?}?, CancellationToken)"/> for synchronous factories (one call per target and run).</summary>
    public static SlurmExecutor Create(PlanTarget target, Func<string, string?>? environment = null) =>
        Task.Run(() => CreateAsync(target, environment)).GetAwaiter().GetResult();

    /// <summary>
    /// Null when the target can be used, else what to fix: its properties, the token, the address
    /// and the token's acceptance are checked (one ping) before anything is submitted.
    /// </summary>
    public static string? Check(PlanTarget target, Func<string, string?>? environment = null)
    {
        try
        {
            Create(target, environment).DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (SlurmConfigurationException e)
        {
            return e.Message;
        }
        catch (SlurmApiException e)
        {
            return e.Message;
        }
    }

    public static async Task<SlurmExecutor> CreateAsync(SlurmTargetOptions options, SlurmTokenSource tokens, HttpMessageHandler? handler, CancellationToken cancellationToken)
    {
        var counter = new RequestCounter();
        var auth = new AuthHandler(tokens, options.User, counter) { InnerHandler = handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) } };
        var http = new HttpClient(auth) { BaseAddress = options.Url, Timeout = TimeSpan.FromSeconds(60) };
        var api = RestService.For<ISlurmRestApi>(http, new RefitSettings(new SystemTextJsonContentSerializer(SlurmJson.Options)));
        try
        {
            var version = options.ApiVersion ?? await DetectVersionAsync(options, api, cancellationToken).ConfigureAwait(false);
            var ping = await Call(options, "ping", () => api.PingAsync(version, cancellationToken)).ConfigureAwait(false);
            if (ping.Pings is { Count: > 0 } pings && pings.All(p => p.Ping == "DOWN"))
            {
                throw new SlurmApiException($"slurm target '{options.TargetName}' ({options.Url}): slurmrestd answers but slurmctld is down", HttpStatusCode.OK, []);
            }

            var executor = new SlurmExecutor(options, http, api, version);
            executor.counter.Count = counter.Count;
            auth.Counter = executor.counter;
            return executor;
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Reads the served OpenAPI document's paths; falls back to pinging each version.</summary>
    private static async Task<string> DetectVersionAsync(SlurmTargetOptions options, ISlurmRestApi api, CancellationToken cancellationToken)
    {
        using (var response = await Send(options, "reading the OpenAPI document", () => api.GetOpenApiAsync(cancellationToken)).ConfigureAwait(false))
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new SlurmApiException(SlurmErrors.Describe("authenticating", response.StatusCode, [], options), response.StatusCode, []);
            }

            if (response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    if (doc.RootElement.TryGetProperty("paths", out var paths))
                    {
                        var served = paths.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                        var found = SupportedVersions.FirstOrDefault(v => served.Contains($"/slurm/{v}/job/submit"));
                        return found ?? throw new SlurmApiException(
                            $"slurm target '{options.TargetName}' ({options.Url}): the server serves none of the API versions {string.Join(", ", SupportedVersions)}; start slurmrestd with -s openapi/v0.0.38 (or v0.0.37, v0.0.36)",
                            response.StatusCode,
                            []);
                    }
                }
                catch (JsonException)
                {
                    // Not JSON: fall through to probing.
                }
            }
        }

        foreach (var version in SupportedVersions)
        {
            var ping = await Send(options, "ping", () => api.PingAsync(version, cancellationToken)).ConfigureAwait(false);
            if (ping.Error is ApiRequestException)
            {
                throw Unreachable(options, "ping", ping.Error);
            }

            if (ping.StatusCode != HttpStatusCode.NotFound)
            {
                return version;
            }
        }

        throw new SlurmApiException($"slurm target '{options.TargetName}' ({options.Url}): the server answers none of /slurm/{{{string.Join(",", SupportedVersions)}}}/ping; is 'url' the slurmrestd address?", HttpStatusCode.NotFound, []);
    }

    public async Task<ExecutionHandle> SubmitAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        CheckTarget(node);
        PrepareFolders(node);
        var job = Properties(node);
        job.Name = JobName(node);
        job.CurrentWorkingDirectory = node.WorkDir;
        job.Environment = JobEnvironment(node.Env);
        SetOutput(job, node.StdoutPath, node.StderrPath);
        var id = await SubmitAsync(job, SlurmBatchScript.ForNode(node), node, cancellationToken).ConfigureAwait(false);
        var text = id.ToString(CultureInfo.InvariantCulture);
        tracked[text] = new Tracked(node.TimeoutSeconds);
        return new ExecutionHandle(Kind, text, node.NodeInstanceId, node.StdoutPath, node.StderrPath);
    }

    /// <summary>
    /// A job an earlier mlpc submitted for this node but could not record: found by its job name
    /// (<c>mlp:RUN:NODE:ATTEMPT</c>) among the jobs Slurm knows, the newest if there are several.
    /// </summary>
    public async Task<ExecutionHandle?> FindSubmissionAsync(ResolvedNode node, CancellationToken cancellationToken)
    {
        var name = JobName(node);
        var all = await Call(Options, "reading job states", () => Api.GetJobsAsync(ApiVersion, null, cancellationToken)).ConfigureAwait(false);
        var job = (all.Jobs ?? []).Where(j => j.Name == name && j.ArrayJobId is null or 0).MaxBy(j => j.JobId);
        if (job is null)
        {
            return null;
        }

        var id = job.JobId.ToString(CultureInfo.InvariantCulture);
        tracked.TryAdd(id, new Tracked(node.TimeoutSeconds));
        return new ExecutionHandle(Kind, id, node.NodeInstanceId, node.StdoutPath, node.StderrPath);
    }

    public bool CanSubmitTogether(IReadOnlyList<ResolvedNode> nodes) =>
        nodes.Count > 0
        && nodes.All(n => n.Target.Kind == "slurm" && n.Target.Name == nodes[0].Target.Name && n.Resources == nodes[0].Resources && n.TimeoutSeconds == nodes[0].TimeoutSeconds && n.RunId == nodes[0].RunId);

    /// <summary>
    /// Submits the nodes as one job array (one request, one scheduling decision). Task i runs node i
    /// in its folder with its logs and environment; each node gets the handle <c>ARRAYID_i</c>.
    /// </summary>
    public async Task<IReadOnlyList<ExecutionHandle>> SubmitBatchAsync(IReadOnlyList<ResolvedNode> nodes, CancellationToken cancellationToken)
    {
        if (nodes.Count == 0)
        {
            return [];
        }

        if (!CanSubmitTogether(nodes))
        {
            throw new ArgumentException("the nodes of one job array must share target, run, resources and timeout", nameof(nodes));
        }

        if (nodes.Count == 1)
        {
            return [await SubmitAsync(nodes[0], cancellationToken).ConfigureAwait(false)];
        }

        foreach (var node in nodes)
        {
            CheckTarget(node);
            PrepareFolders(node);
        }

        var first = nodes[0];
        var job = Properties(first);
        job.Name = Truncate($"mlp:{first.RunId}:{first.NodeInstanceId}+{nodes.Count - 1}");
        job.Array = "0-" + (nodes.Count - 1).ToString(CultureInfo.InvariantCulture);
        job.CurrentWorkingDirectory = first.WorkDir;
        job.Environment = JobEnvironment(new Dictionary<string, string>());
        // Each task sends its output to its node's files; this catches what happens before that.
        var own = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(first.StdoutPath))!, "slurm-array-%A_%a.log");
        SetOutput(job, own, own);
        var id = await SubmitAsync(job, SlurmBatchScript.ForArray(nodes), first, cancellationToken).ConfigureAwait(false);
        var handles = new List<ExecutionHandle>(nodes.Count);
        for (var i = 0; i < nodes.Count; i++)
        {
            var text = id.ToString(CultureInfo.InvariantCulture) + "_" + i.ToString(CultureInfo.InvariantCulture);
            tracked[text] = new Tracked(nodes[i].TimeoutSeconds);
            handles.Add(new ExecutionHandle(Kind, text, nodes[i].NodeInstanceId, nodes[i].StdoutPath, nodes[i].StderrPath));
        }

        return handles;
    }

    public async Task<IReadOnlyList<ExecutionStatus>> GetStatusesAsync(IReadOnlyList<ExecutionHandle> handles, CancellationToken cancellationToken)
    {
        var open = handles.Where(h => !finished.ContainsKey(h.Id)).Select(h => h.Id).Distinct().ToList();
        Dictionary<string, ExecutionStatus> current = [];
        if (open.Count > 0)
        {
            var jobs = await LoadJobsAsync(open, cancellationToken).ConfigureAwait(false);
            var index = new Index(jobs);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
            foreach (var id in open)
            {
                tracked.TryGetValue(id, out var track);
                var status = index.Find(id) is { } job
                    ? SlurmJobStates.Map(job, track?.TimeoutSeconds)
                    : index.IsPendingArrayTask(id)
                        ? new ExecutionStatus(ExecutionState.Pending, null, "pending (array task not started yet)")
                        : track is { CancelRequested: true }
                            // A pending array task that is cancelled leaves no record of its own.
                            ? new ExecutionStatus(ExecutionState.Cancelled, null, "cancelled before it started")
                            : new ExecutionStatus(ExecutionState.Lost, null, $"Slurm no longer knows job {id} (it ended longer ago than MinJobAge, or the controller lost its state)");
                if (track is not null)
                {
                    status = await EnforceTimeoutAsync(id, track, status, index.Find(id), now, cancellationToken).ConfigureAwait(false);
                }

                if (status.State.IsTerminal())
                {
                    finished[id] = status;
                }

                current[id] = status;
            }
        }

        return [.. handles.Select(h => finished.TryGetValue(h.Id, out var done) ? done : current[h.Id])];
    }

    /// <summary>
    /// Slurm's time limit is whole minutes; the step's timeout is seconds. The job gets the minutes
    /// rounded up as a backstop, and this ends it at the exact timeout (observed at the poll interval).
    /// </summary>
    private async Task<ExecutionStatus> EnforceTimeoutAsync(string id, Tracked track, ExecutionStatus status, SlurmJob? job, double now, CancellationToken cancellationToken)
    {
        if (track.TimedOut && status.State is ExecutionState.Cancelled or ExecutionState.Failed)
        {
            return new ExecutionStatus(ExecutionState.TimedOut, null, $"timed out after {track.TimeoutSeconds?.ToString(CultureInfo.InvariantCulture)} s; cancelled through the Slurm API");
        }

        if (status.State == ExecutionState.Running && !track.TimedOut && track.TimeoutSeconds is { } limit && job?.StartTime is > 0 and var start && now - start >= limit)
        {
            track.TimedOut = true;
            await CancelJobAsync(id, cancellationToken).ConfigureAwait(false);
        }

        return status;
    }

    private async Task<IReadOnlyList<SlurmJob>> LoadJobsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 1 && !ids[0].Contains('_', StringComparison.Ordinal))
        {
            var response = await Send(Options, "reading job " + ids[0], () => Api.GetJobAsync(ApiVersion, ids[0], cancellationToken)).ConfigureAwait(false);
            if (response.IsSuccessStatusCode && response.Content is { } one)
            {
                return one.Jobs ?? [];
            }

            var errors = SlurmErrors.Parse(ErrorBody(response));
            if (SlurmErrors.Has(errors, SlurmErrors.InvalidJobId))
            {
                return [];
            }

            throw new SlurmApiException(SlurmErrors.Describe("reading job " + ids[0], Status(response), errors, Options), Status(response), errors);
        }

        var all = await Call(Options, "reading job states", () => Api.GetJobsAsync(ApiVersion, null, cancellationToken)).ConfigureAwait(false);
        return all.Jobs ?? [];
    }

    public async Task CancelAsync(ExecutionHandle handle, CancellationToken cancellationToken)
    {
        if (finished.ContainsKey(handle.Id))
        {
            return;
        }

        if (tracked.TryGetValue(handle.Id, out var track))
        {
            track.CancelRequested = true;
        }

        await CancelJobAsync(handle.Id, cancellationToken).ConfigureAwait(false);
    }

    private async Task CancelJobAsync(string id, CancellationToken cancellationToken)
    {
        var response = await Send(Options, "cancelling job " + id, () => Api.CancelJobAsync(ApiVersion, id, null, cancellationToken)).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var errors = SlurmErrors.Parse(ErrorBody(response));
        if (SlurmErrors.Has(errors, SlurmErrors.InvalidJobId) || SlurmErrors.Has(errors, SlurmErrors.AlreadyDone))
        {
            return; // already ended or purged: cancel is idempotent
        }

        throw new SlurmApiException(SlurmErrors.Describe("cancelling job " + id, Status(response), errors, Options), Status(response), errors);
    }

    public async IAsyncEnumerable<string> ReadLogAsync(ExecutionHandle handle, LogStream stream, long offset, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = stream == LogStream.Stdout ? handle.StdoutPath : handle.StderrPath;
        var nextPoll = DateTime.MinValue;
        var ended = !follow;
        while (true)
        {
            if (follow && DateTime.UtcNow >= nextPoll)
            {
                ended = (await GetStatusesAsync([handle], cancellationToken).ConfigureAwait(false))[0].State.IsTerminal();
                nextPoll = DateTime.UtcNow + Options.PollInterval;
            }

            if (File.Exists(path))
            {
                using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (file.Length < offset)
                {
                    offset = 0; // a requeued job starts its log again
                }

                if (file.Length > offset)
                {
                    file.Seek(offset, SeekOrigin.Begin);
                    var buffer = new byte[file.Length - offset];
                    var read = await file.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    offset += read;
                    yield return Encoding.UTF8.GetString(buffer, 0, read);
                }
            }

            if (ended)
            {
                yield break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200, Options.PollInterval.TotalMilliseconds)), cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Jobs outlive the executor on purpose: a restarted mlpc finds them by their handles.
        http.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<long> SubmitAsync(SlurmJobProperties job, string script, ResolvedNode node, CancellationToken cancellationToken)
    {
        var submission = new SlurmJobSubmission { Script = script, Job = job };
        var response = await Send(Options, $"submitting step {node.NodeInstanceId}", () => Api.SubmitJobAsync(ApiVersion, submission, cancellationToken)).ConfigureAwait(false);
        var errors = response.Content?.Errors is { Count: > 0 } e ? e : SlurmErrors.Parse(ErrorBody(response));
        if (!response.IsSuccessStatusCode || errors.Count > 0 || response.Content?.JobId is not { } id)
        {
            throw new SlurmApiException(SlurmErrors.Describe($"submitting step {node.NodeInstanceId}", Status(response), errors, Options, Describe(node.Resources)), Status(response), errors);
        }

        return id;
    }

    private SlurmJobProperties Properties(ResolvedNode node)
    {
        var r = node.Resources;
        return new SlurmJobProperties
        {
            Partition = Options.Partition,
            Account = Options.Account,
            Qos = Options.Qos,
            Constraints = Options.Constraint,
            CpusPerTask = Math.Max(1, (int)Math.Ceiling(r.Cpu)),
            MemoryPerNode = r.MemoryBytes > 0 ? (r.MemoryBytes + MiB - 1) / MiB : null,
            Gres = r.Gpu > 0 ? (string.IsNullOrEmpty(r.GpuType) ? $"gpu:{r.Gpu}" : $"gpu:{r.GpuType}:{r.Gpu}") : null,
            TimeLimit = node.TimeoutSeconds is { } t ? Math.Max(1, (long)Math.Ceiling(t / 60)) : null,
            Requeue = true,
            CurrentWorkingDirectory = node.WorkDir,
            Environment = [],
        };
    }

    /// <summary>The job's environment: the node's (the step contract) over a minimal base from mlpc's.</summary>
    private static Dictionary<string, string> JobEnvironment(IReadOnlyDictionary<string, string> env)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } path ? path : "/usr/local/bin:/usr/bin:/bin",
        };
        foreach (var name in new[] { "LANG", "LC_ALL", "TZ" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                result[name] = value;
            }
        }

        foreach (var (key, value) in env)
        {
            result[key] = value;
        }

        return result;
    }

    private void SetOutput(SlurmJobProperties job, string stdout, string stderr)
    {
        // Slurm expands %j, %a, ... in these names; a literal % must be doubled.
        static string Literal(string p) => p.Contains("%A_%a", StringComparison.Ordinal) ? p : p.Replace("%", "%%", StringComparison.Ordinal);
        if (ApiVersion == "v0.0.36")
        {
            job.StandardOut = Literal(stdout);
        }
        else
        {
            job.StandardOutput = Literal(stdout);
        }

        job.StandardError = Literal(stderr);
    }

    private void CheckTarget(ResolvedNode node)
    {
        if (node.Target.Kind != "slurm")
        {
            throw new ArgumentException($"step {node.NodeInstanceId} runs on the {node.Target.Kind} target '{node.Target.Name}', not on the slurm target '{Options.TargetName}'", nameof(node));
        }
    }

    private static void PrepareFolders(ResolvedNode node)
    {
        Directory.CreateDirectory(node.WorkDir);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StdoutPath))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(node.StderrPath))!);
    }

    private static string JobName(ResolvedNode node) => Truncate($"mlp:{node.RunId}:{node.NodeInstanceId}:{node.Attempt}");

    private static string Truncate(string name)
    {
        var clean = new string([.. name.Select(c => char.IsWhiteSpace(c) ? '_' : c)]);
        return clean.Length > 200 ? clean[..200] : clean;
    }

    private static string Describe(PlanResources r) =>
        string.Create(CultureInfo.InvariantCulture, $"cpu {r.Cpu}, memory {r.MemoryBytes / MiB} MiB, gpu {r.Gpu}{(r.GpuType is null ? "" : " of type " + r.GpuType)}");

    private static async Task<T> Call<T>(SlurmTargetOptions options, string what, Func<Task<IApiResponse<T>>> call)
        where T : SlurmErrorsResponse
    {
        var response = await Send(options, what, call).ConfigureAwait(false);
        if (response.IsSuccessStatusCode && response.Content is { } content && content.Errors is not { Count: > 0 })
        {
            return content;
        }

        var errors = response.Content?.Errors is { Count: > 0 } e ? e : SlurmErrors.Parse(ErrorBody(response));
        throw new SlurmApiException(SlurmErrors.Describe(what, Status(response), errors, options), Status(response), errors);
    }

    private static string? ErrorBody(IApiResponse response) => (response.Error as ApiException)?.Content;

    private static HttpStatusCode Status(IApiResponse response) => response.StatusCode ?? HttpStatusCode.ServiceUnavailable;

    private static SlurmApiException Unreachable(SlurmTargetOptions options, string what, Exception e) =>
        new($"slurm target '{options.TargetName}': cannot reach slurmrestd at {options.Url} while {what} ({(e.InnerException ?? e).Message}); check 'url' and that slurmrestd runs (locally: scripts/slurm/start.sh)", HttpStatusCode.ServiceUnavailable, []);

    private static async Task<T> Send<T>(SlurmTargetOptions options, string what, Func<Task<T>> call)
    {
        try
        {
            var result = await call().ConfigureAwait(false);
            if (result is IApiResponse { Error: ApiRequestException network })
            {
                throw Unreachable(options, what, network);
            }

            return result;
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(options, what, e);
        }
        catch (ApiRequestException e)
        {
            throw Unreachable(options, what, e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new SlurmApiException($"slurm target '{options.TargetName}': slurmrestd at {options.Url} did not answer in time while {what}", HttpStatusCode.GatewayTimeout, []);
        }
    }

    /// <summary>Job records by handle id: a job id, or ARRAYID_TASK for array tasks.</summary>
    private sealed class Index
    {
        private readonly Dictionary<string, SlurmJob> byId = new(StringComparer.Ordinal);
        private readonly Dictionary<long, List<string>> pendingRanges = [];

        public Index(IReadOnlyList<SlurmJob> jobs)
        {
            foreach (var job in jobs)
            {
                if (job.ArrayJobId is > 0 and var array)
                {
                    if (job.ArrayTaskString is { Length: > 0 } ranges)
                    {
                        (pendingRanges.TryGetValue(array, out var list) ? list : pendingRanges[array] = []).Add(ranges);
                    }
                    else if (job.ArrayTaskId is { } task and < 4_000_000_000)
                    {
                        byId[$"{array}_{task}"] = job;
                    }
                }

                byId.TryAdd(job.JobId.ToString(CultureInfo.InvariantCulture), job);
            }
        }

        public SlurmJob? Find(string id) => byId.GetValueOrDefault(id);

        public bool IsPendingArrayTask(string id)
        {
            var sep = id.IndexOf('_', StringComparison.Ordinal);
            return sep > 0
                && long.TryParse(id.AsSpan(0, sep), CultureInfo.InvariantCulture, out var array)
                && long.TryParse(id.AsSpan(sep + 1), CultureInfo.InvariantCulture, out var task)
                && pendingRanges.TryGetValue(array, out var ranges)
                && ranges.Any(r => SlurmJobStates.InTaskRanges(r, task));
        }
    }

    private sealed class Tracked(double? timeoutSeconds)
    {
        public double? TimeoutSeconds { get; } = timeoutSeconds;

        public bool TimedOut { get; set; }

        public bool CancelRequested { get; set; }
    }

    private sealed class RequestCounter
    {
        private int count;

        public int Count
        {
            get => Volatile.Read(ref count);
            set => Volatile.Write(ref count, value);
        }

        public void Increment() => Interlocked.Increment(ref count);
    }

    private sealed class AuthHandler(SlurmTokenSource tokens, string user, RequestCounter counter) : DelegatingHandler
    {
        public RequestCounter Counter { get; set; } = counter;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Counter.Increment();
            request.Headers.Remove("X-SLURM-USER-NAME");
            request.Headers.Remove("X-SLURM-USER-TOKEN");
            request.Headers.TryAddWithoutValidation("X-SLURM-USER-NAME", user);
            request.Headers.TryAddWithoutValidation("X-SLURM-USER-TOKEN", tokens.GetToken());
            if (request.Content?.Headers.ContentType is { CharSet: not null } type)
            {
                // slurmrestd answers "Unable to parse query." to "application/json; charset=utf-8".
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type.MediaType!);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
