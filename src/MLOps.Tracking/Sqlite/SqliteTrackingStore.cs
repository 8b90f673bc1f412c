using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;

namespace MLOps.Tracking.Sqlite;

/// <summary>The SQLite tracking store (schema and concurrency in docs/stores.md).</summary>
public sealed class SqliteTrackingStore : ITrackingStore
{
    private readonly SqliteDatabase _database;

    // Runs are never deleted, so a run id maps to the same key for the life of the file.
    private readonly ConcurrentDictionary<string, long> _runKeys = new(StringComparer.Ordinal);

    internal SqliteTrackingStore(SqliteDatabase database, string uri)
    {
        _database = database;
        Uri = uri;
    }

    /// <summary>Opens (creating and migrating when needed) a SQLite tracking store at a file path.</summary>
    public static SqliteTrackingStore Open(string databasePath) =>
        new(SqliteDatabase.Open(Path.GetFullPath(databasePath)), "sqlite://" + Path.GetFullPath(databasePath));

    public string Uri { get; }

    public ValueTask DisposeAsync()
    {
        _database.Dispose();
        return ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- experiments

    public Task<Experiment> GetOrCreateExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        RequireName(name, "experiment name");
        return _database.WriteAsync((c, t) => GetOrCreateExperiment(c, t, name), cancellationToken);
    }

    public Task<Experiment?> GetExperimentAsync(string name, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(ReadExperiments(connection, null, "WHERE name = $n", ("$n", name)).FirstOrDefault());
    }

    public Task<IReadOnlyList<Experiment>> ListExperimentsAsync(CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<Experiment>>(ReadExperiments(connection, null, "ORDER BY name"));
    }

    private static Experiment GetOrCreateExperiment(SqliteConnection c, SqliteTransaction t, string name)
    {
        Sql.Execute(c, t, "INSERT INTO experiments (id, name, created_at) VALUES ($id, $n, $at) ON CONFLICT(name) DO NOTHING;",
            ("$id", Guid.NewGuid().ToString("N")), ("$n", name), ("$at", Sql.NowMs()));
        return ReadExperiments(c, t, "WHERE name = $n", ("$n", name)).Single();
    }

    private static List<Experiment> ReadExperiments(SqliteConnection c, SqliteTransaction? t, string tail, params (string, object?)[] parameters)
    {
        using var command = Sql.Command(c, t, $"SELECT id, name, created_at FROM experiments {tail};", parameters);
        using var reader = command.ExecuteReader();
        var list = new List<Experiment>();
        while (reader.Read())
        {
            list.Add(new Experiment(reader.GetString(0), reader.GetString(1), Sql.Time(reader.GetInt64(2))));
        }

        return list;
    }

    // ---------------------------------------------------------------- runs

    public Task<RunCreateResult> CreateRunAsync(NewRun run, CancellationToken cancellationToken = default)
    {
        RequireName(run.RunId, "run id");
        RequireName(run.Experiment, "experiment name");
        RequireName(run.Name, "run name");
        return _database.WriteAsync((c, t) => CreateRun(c, t, run), cancellationToken);
    }

    private RunCreateResult CreateRun(SqliteConnection c, SqliteTransaction t, NewRun run)
    {
        var existing = RunReader.ReadOne(c, t, "r.run_id = $id", ("$id", run.RunId));
        if (existing is null && run.ParentRunId is not null && run.NodeInstanceId is not null)
        {
            existing = RunReader.ReadOne(c, t, "r.parent_run_id = $p AND r.node_instance_id = $n", ("$p", run.ParentRunId), ("$n", run.NodeInstanceId));
        }

        if (existing is { } found)
        {
            var stored = found.Run;
            if (stored.Experiment != run.Experiment || stored.ParentRunId != run.ParentRunId || stored.Kind != run.Kind)
            {
                throw new TrackingConflictException(
                    $"run '{stored.RunId}' already exists as a {RunReader.KindWord(stored.Kind)} in experiment '{stored.Experiment}'" +
                    $" with parent '{stored.ParentRunId ?? "(none)"}'; the new request asks for a {RunReader.KindWord(run.Kind)} in '{run.Experiment}'" +
                    $" with parent '{run.ParentRunId ?? "(none)"}'. Use another run id.");
            }

            _runKeys[stored.RunId] = found.Key;
            return new RunCreateResult(stored, Created: false);
        }

        var rootRunId = run.RunId;
        if (run.ParentRunId is not null)
        {
            rootRunId = Sql.Scalar(c, t, "SELECT root_run_id FROM runs WHERE run_id = $p;", ("$p", run.ParentRunId)) as string
                ?? throw new TrackingNotFoundException($"cannot create run '{run.RunId}': its parent run '{run.ParentRunId}' does not exist; create the parent first");
        }

        var experiment = GetOrCreateExperiment(c, t, run.Experiment);
        var created = Sql.Ms(run.CreatedAt ?? DateTimeOffset.UtcNow);
        var key = (long)Sql.Scalar(c, t, """
            INSERT INTO runs (run_id, experiment_id, kind, name, parent_run_id, root_run_id, node_instance_id, pipeline,
                              source_file, source_digest, plan_digest, git_commit, status, created_at, start_time)
            VALUES ($id, $exp, $kind, $name, $parent, $root, $node, $pipeline, $file, $digest, $plan, $git, $status, $created, $start)
            RETURNING run_key;
            """,
            ("$id", run.RunId), ("$exp", experiment.Id), ("$kind", RunReader.KindWord(run.Kind)), ("$name", run.Name),
            ("$parent", run.ParentRunId), ("$root", rootRunId), ("$node", run.NodeInstanceId), ("$pipeline", run.Pipeline),
            ("$file", run.SourceFile), ("$digest", run.SourceDigest), ("$plan", run.PlanDigest), ("$git", run.GitCommit),
            ("$status", run.Status.ToWord()), ("$created", created),
            ("$start", run.Status == RunStatus.Running ? created : null))!;
        Sql.Execute(c, t, "INSERT INTO run_status_history (run_key, seq, from_status, to_status, at, message) VALUES ($k, 1, NULL, $s, $at, 'created');",
            ("$k", key), ("$s", run.Status.ToWord()), ("$at", created));
        _runKeys[run.RunId] = key;
        // The row as inserted, without reading it back (every step creates one).
        return new RunCreateResult(new RunRecord
        {
            RunId = run.RunId,
            ExperimentId = experiment.Id,
            Experiment = experiment.Name,
            Kind = run.Kind,
            Name = run.Name,
            ParentRunId = run.ParentRunId,
            RootRunId = rootRunId,
            NodeInstanceId = run.NodeInstanceId,
            Pipeline = run.Pipeline,
            SourceFile = run.SourceFile,
            SourceDigest = run.SourceDigest,
            PlanDigest = run.PlanDigest,
            GitCommit = run.GitCommit,
            Status = run.Status,
            CreatedAt = Sql.Time(created),
            StartTime = run.Status == RunStatus.Running ? Sql.Time(created) : null,
        }, Created: true);
    }

    public Task<RunRecord?> GetRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult(RunReader.ReadOne(connection, null, "r.run_id = $id", ("$id", runId))?.Run);
    }

    public Task<RunDetails?> GetRunDetailsAsync(string runId, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        var found = RunReader.ReadOne(connection, null, "r.run_id = $id", ("$id", runId));
        if (found is not { } run)
        {
            return Task.FromResult<RunDetails?>(null);
        }

        return Task.FromResult<RunDetails?>(RunDetailsLoader.Load(connection, [run])[0]);
    }

    public Task<IReadOnlyList<RunRecord>> GetChildRunsAsync(string parentRunId, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        return Task.FromResult<IReadOnlyList<RunRecord>>(RunReader.ReadMany(connection, null, "r.parent_run_id = $p ORDER BY r.created_at, r.run_key", ("$p", parentRunId)));
    }

    public Task<RunStatusUpdateResult> SetRunStatusAsync(string runId, RunStatusUpdate update, CancellationToken cancellationToken = default) =>
        _database.WriteAsync((c, t) => ApplyStatus(c, t, runId, update, cachedFrom: null), cancellationToken);

    public Task MarkCachedAsync(string runId, string cachedFromRunId, CancellationToken cancellationToken = default) =>
        _database.WriteAsync((c, t) =>
        {
            if (Sql.Scalar(c, t, "SELECT 1 FROM runs WHERE run_id = $id;", ("$id", cachedFromRunId)) is null)
            {
                throw new TrackingNotFoundException($"cannot mark run '{runId}' as cached: the source run '{cachedFromRunId}' does not exist");
            }

            return ApplyStatus(c, t, runId, new RunStatusUpdate(RunStatus.Cached, $"outputs reused from {cachedFromRunId}"), cachedFromRunId);
        }, cancellationToken);

    private static RunStatusUpdateResult ApplyStatus(SqliteConnection c, SqliteTransaction t, string runId, RunStatusUpdate update, string? cachedFrom)
    {
        var (key, run) = RunReader.ReadOne(c, t, "r.run_id = $id", ("$id", runId))
            ?? throw new TrackingNotFoundException($"cannot change the status of run '{runId}': no such run");
        if (update.ExpectedStatus is { } expected && expected != run.Status)
        {
            return new RunStatusUpdateResult(false, run);
        }

        var at = Sql.Ms(update.At ?? DateTimeOffset.UtcNow);
        if (run.Status != update.Status || cachedFrom is not null)
        {
            Sql.Execute(c, t, """
                UPDATE runs SET status = $s,
                    start_time = CASE WHEN $running THEN COALESCE(start_time, $at) ELSE start_time END,
                    end_time = CASE WHEN $terminal THEN $at ELSE NULL END,
                    cached_from_run_id = COALESCE($cached, cached_from_run_id)
                WHERE run_key = $k;
                """,
                ("$s", update.Status.ToWord()), ("$running", update.Status == RunStatus.Running), ("$terminal", update.Status.IsTerminal()),
                ("$at", at), ("$cached", cachedFrom), ("$k", key));
            if (run.Status != update.Status)
            {
                Sql.Execute(c, t, """
                    INSERT INTO run_status_history (run_key, seq, from_status, to_status, at, message)
                    VALUES ($k, (SELECT COALESCE(MAX(seq), 0) + 1 FROM run_status_history WHERE run_key = $k), $from, $to, $at, $m);
                    """,
                    ("$k", key), ("$from", run.Status.ToWord()), ("$to", update.Status.ToWord()), ("$at", at), ("$m", update.Message));
            }

            // The row as the UPDATE left it, without reading it back (every step changes status twice).
            run = run with
            {
                Status = update.Status,
                StartTime = update.Status == RunStatus.Running ? run.StartTime ?? Sql.Time(at) : run.StartTime,
                EndTime = update.Status.IsTerminal() ? Sql.Time(at) : null,
                CachedFromRunId = cachedFrom ?? run.CachedFromRunId,
            };
        }

        return new RunStatusUpdateResult(true, run);
    }

    public Task<IReadOnlyList<RunStatusChange>> GetStatusHistoryAsync(string runId, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, """
            SELECT h.seq, h.from_status, h.to_status, h.at, h.message
            FROM run_status_history h JOIN runs r ON r.run_key = h.run_key
            WHERE r.run_id = $id ORDER BY h.seq;
            """, ("$id", runId));
        using var reader = command.ExecuteReader();
        var list = new List<RunStatusChange>();
        while (reader.Read())
        {
            list.Add(new RunStatusChange(
                runId,
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : RunReader.ParseStatus(reader.GetString(1)),
                RunReader.ParseStatus(reader.GetString(2)),
                Sql.Time(reader.GetInt64(3)),
                reader.NullableString(4)));
        }

        return Task.FromResult<IReadOnlyList<RunStatusChange>>(list);
    }

    public Task SetCacheKeyAsync(string runId, string cacheKey, string componentsJson, CancellationToken cancellationToken = default)
    {
        RequireName(cacheKey, "cache key");
        RequireJsonObject(componentsJson, "cache key components");
        return _database.WriteAsync((c, t) =>
        {
            if (Sql.Execute(c, t, "UPDATE runs SET cache_key = $key, cache_key_components = $json WHERE run_id = $id;",
                    ("$key", cacheKey), ("$json", componentsJson), ("$id", runId)) == 0)
            {
                throw new TrackingNotFoundException($"cannot set the cache key of run '{runId}': no such run");
            }
        }, cancellationToken);
    }

    public Task<RunRecord?> FindSucceededByCacheKeyAsync(string cacheKey, CancellationToken cancellationToken = default) =>
        Task.FromResult(_database.Read(connection =>
            RunReader.ReadOne(connection, null, "r.cache_key = $key AND r.status = 'succeeded' ORDER BY r.end_time DESC, r.run_key DESC", ("$key", cacheKey))?.Run));

    // ---------------------------------------------------------------- attempts

    public Task RecordAttemptAsync(StepAttempt attempt, CancellationToken cancellationToken = default)
    {
        if (attempt.Attempt < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(attempt), attempt.Attempt, "attempts count from 1");
        }

        RequireName(attempt.Executor, "executor");
        RequireName(attempt.HandleId, "execution handle id");
        return _database.WriteAsync((c, t) =>
        {
            var key = RunKey(c, t, attempt.RunId);
            Sql.Execute(c, t, """
                INSERT INTO step_attempts (run_key, attempt, executor, handle_id, stdout_path, stderr_path, owner_host, owner_pid, started_at)
                VALUES ($k, $a, $ex, $h, $out, $err, $host, $pid, $start)
                ON CONFLICT(run_key, attempt) DO UPDATE SET
                    executor = excluded.executor, handle_id = excluded.handle_id,
                    stdout_path = excluded.stdout_path, stderr_path = excluded.stderr_path,
                    owner_host = excluded.owner_host, owner_pid = excluded.owner_pid,
                    started_at = COALESCE(step_attempts.started_at, excluded.started_at);
                """,
                ("$k", key), ("$a", attempt.Attempt), ("$ex", attempt.Executor), ("$h", attempt.HandleId),
                ("$out", attempt.StdoutPath), ("$err", attempt.StderrPath), ("$host", attempt.OwnerHost), ("$pid", attempt.OwnerPid),
                ("$start", Sql.Ms(attempt.StartedAt ?? DateTimeOffset.UtcNow)));
        }, cancellationToken);
    }

    public Task EndAttemptAsync(string runId, int attempt, StepAttemptEnd end, CancellationToken cancellationToken = default)
    {
        RequireName(end.State, "attempt state");
        return _database.WriteAsync((c, t) =>
        {
            var key = RunKey(c, t, runId);
            if (Sql.Execute(c, t, "UPDATE step_attempts SET ended_at = $at, state = $s, exit_code = $code, message = $m WHERE run_key = $k AND attempt = $a;",
                    ("$at", Sql.Ms(end.At ?? DateTimeOffset.UtcNow)), ("$s", end.State), ("$code", end.ExitCode), ("$m", end.Message), ("$k", key), ("$a", attempt)) == 0)
            {
                throw new TrackingNotFoundException($"cannot end attempt {attempt} of run '{runId}': it was never recorded");
            }
        }, cancellationToken);
    }

    public Task<IReadOnlyList<StepAttempt>> GetAttemptsAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(ReadAttempts("r.run_id = $id ORDER BY a.attempt", ("$id", runId)));

    public Task<IReadOnlyList<StepAttempt>> ListOpenAttemptsAsync(string? rootRunId = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(rootRunId is null
            ? ReadAttempts("a.ended_at IS NULL ORDER BY a.started_at, a.run_key, a.attempt")
            : ReadAttempts("a.ended_at IS NULL AND r.root_run_id = $root ORDER BY a.started_at, a.run_key, a.attempt", ("$root", rootRunId)));

    private IReadOnlyList<StepAttempt> ReadAttempts(string where, params (string, object?)[] parameters)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, $"""
            SELECT r.run_id, a.attempt, a.executor, a.handle_id, a.stdout_path, a.stderr_path, a.owner_host, a.owner_pid,
                   a.started_at, a.ended_at, a.state, a.exit_code, a.message
            FROM step_attempts a JOIN runs r ON r.run_key = a.run_key WHERE {where};
            """, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<StepAttempt>();
        while (reader.Read())
        {
            list.Add(new StepAttempt
            {
                RunId = reader.GetString(0),
                Attempt = reader.GetInt32(1),
                Executor = reader.GetString(2),
                HandleId = reader.GetString(3),
                StdoutPath = reader.NullableString(4),
                StderrPath = reader.NullableString(5),
                OwnerHost = reader.NullableString(6),
                OwnerPid = reader.IsDBNull(7) ? null : reader.GetInt32(7),
                StartedAt = reader.NullableTime(8),
                EndedAt = reader.NullableTime(9),
                State = reader.NullableString(10),
                ExitCode = reader.IsDBNull(11) ? null : reader.GetInt32(11),
                Message = reader.NullableString(12),
            });
        }

        return list;
    }

    // ---------------------------------------------------------------- params and tags

    public Task LogParamsAsync(string runId, IReadOnlyDictionary<string, string> parameters, CancellationToken cancellationToken = default)
    {
        foreach (var name in parameters.Keys)
        {
            RequireName(name, "parameter name");
        }

        return _database.WriteAsync((c, t) =>
        {
            var key = RunKey(c, t, runId);
            using var insert = Sql.Command(c, t, "INSERT INTO params (run_key, name, value, num_value) VALUES ($k, $n, $v, $num) ON CONFLICT(run_key, name) DO NOTHING;",
                ("$k", key), ("$n", ""), ("$v", ""), ("$num", null));
            foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                insert.Parameters["$n"].Value = name;
                insert.Parameters["$v"].Value = value;
                insert.Parameters["$num"].Value = (object?)Sql.AsNumber(value) ?? DBNull.Value;
                if (insert.ExecuteNonQuery() == 0)
                {
                    var stored = (string)Sql.Scalar(c, t, "SELECT value FROM params WHERE run_key = $k AND name = $n;", ("$k", key), ("$n", name))!;
                    if (stored != value)
                    {
                        throw new TrackingConflictException(
                            $"parameter '{name}' of run '{runId}' is already '{stored}' and cannot become '{value}': parameters are write-once (use a tag for values that change)");
                    }
                }
            }
        }, cancellationToken);
    }

    public Task SetTagsAsync(string runId, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        foreach (var name in tags.Keys)
        {
            RequireName(name, "tag name");
        }

        return _database.WriteAsync((c, t) =>
        {
            var key = RunKey(c, t, runId);
            using var upsert = Sql.Command(c, t, """
                INSERT INTO tags (run_key, name, value, num_value) VALUES ($k, $n, $v, $num)
                ON CONFLICT(run_key, name) DO UPDATE SET value = excluded.value, num_value = excluded.num_value;
                """, ("$k", key), ("$n", ""), ("$v", ""), ("$num", null));
            foreach (var (name, value) in tags)
            {
                upsert.Parameters["$n"].Value = name;
                upsert.Parameters["$v"].Value = value;
                upsert.Parameters["$num"].Value = (object?)Sql.AsNumber(value) ?? DBNull.Value;
                upsert.ExecuteNonQuery();
            }
        }, cancellationToken);
    }

    public Task DeleteTagAsync(string runId, string name, CancellationToken cancellationToken = default) =>
        _database.WriteAsync((c, t) => Sql.Execute(c, t, "DELETE FROM tags WHERE run_key = $k AND name = $n;", ("$k", RunKey(c, t, runId)), ("$n", name)), cancellationToken);

    // ---------------------------------------------------------------- metrics

    public Task LogMetricsAsync(IReadOnlyList<MetricPoint> points, CancellationToken cancellationToken = default)
    {
        foreach (var point in points)
        {
            RequireName(point.Name, "metric name");
        }

        return _database.WriteAsync((c, t) => WriteMetrics(c, t, points, unknownRuns: null), cancellationToken);
    }

    /// <summary>
    /// Writes the points of one batch. With <paramref name="unknownRuns"/> points of runs that do
    /// not exist are skipped and their ids collected (the batched writer reports them later);
    /// without it they fail the whole batch.
    /// </summary>
    internal Task WriteMetricsAsync(IReadOnlyList<MetricPoint> points, HashSet<string> unknownRuns, CancellationToken cancellationToken) =>
        _database.WriteAsync((c, t) => WriteMetrics(c, t, points, unknownRuns), cancellationToken);

    private void WriteMetrics(SqliteConnection c, SqliteTransaction t, IReadOnlyList<MetricPoint> points, HashSet<string>? unknownRuns)
    {
        var now = Sql.NowMs();
        var latest = new Dictionary<(long Key, string Name), (long Step, long Ts, double Value)>();
        // One counter read and write per batch (inside this transaction, so processes sharing the
        // file never hand out the same seq): seq orders points with equal step and time as logged.
        var seq = (long)Sql.Scalar(c, t, "SELECT next FROM metrics_sequence WHERE id = 1;")!;
        using (var insert = new MetricHistoryInsert(c))
        {
            string? lastRun = null;
            long key = 0;
            foreach (var point in points)
            {
                if (!ReferenceEquals(point.RunId, lastRun))
                {
                    if (!TryRunKey(c, t, point.RunId, out key))
                    {
                        if (unknownRuns is null)
                        {
                            throw new TrackingNotFoundException($"cannot log metric '{point.Name}' for run '{point.RunId}': no such run");
                        }

                        unknownRuns.Add(point.RunId);
                        lastRun = null;
                        continue;
                    }

                    lastRun = point.RunId;
                }

                var ts = point.Timestamp == default ? now : Sql.Ms(point.Timestamp);
                insert.Insert(key, point.Name, point.Step, ts, seq++, point.Value);
                // The latest value is kept per batch and written once per (run, metric) below.
                var slot = (key, point.Name);
                if (!latest.TryGetValue(slot, out var current) || point.Step > current.Step || (point.Step == current.Step && ts >= current.Ts))
                {
                    latest[slot] = (point.Step, ts, point.Value);
                }
            }
        }

        Sql.Execute(c, t, "UPDATE metrics_sequence SET next = $n WHERE id = 1;", ("$n", seq));
        using var upsert = Sql.Command(c, t, """
            INSERT INTO metrics_latest (run_key, name, step, ts, value) VALUES ($k, $n, $s, $t, $v)
            ON CONFLICT(run_key, name) DO UPDATE SET step = excluded.step, ts = excluded.ts, value = excluded.value
            WHERE excluded.step > metrics_latest.step OR (excluded.step = metrics_latest.step AND excluded.ts >= metrics_latest.ts);
            """, ("$k", 0L), ("$n", ""), ("$s", 0L), ("$t", 0L), ("$v", 0.0));
        foreach (var ((runKey, name), (step, ts, value)) in latest)
        {
            upsert.Parameters["$k"].Value = runKey;
            upsert.Parameters["$n"].Value = name;
            upsert.Parameters["$s"].Value = step;
            upsert.Parameters["$t"].Value = ts;
            upsert.Parameters["$v"].Value = double.IsNaN(value) ? DBNull.Value : value;
            upsert.ExecuteNonQuery();
        }
    }

    public IMetricWriter CreateMetricWriter(MetricWriterOptions? options = null) => new BatchedMetricWriter(this, options ?? new MetricWriterOptions());

    public Task<IReadOnlyList<MetricPoint>> GetMetricHistoryAsync(string runId, string name, CancellationToken cancellationToken = default)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, """
            SELECT m.step, m.ts, m.value FROM metrics m
            WHERE m.run_key = (SELECT run_key FROM runs WHERE run_id = $id) AND m.name = $n
            ORDER BY m.step, m.ts, m.seq;
            """, ("$id", runId), ("$n", name));
        using var reader = command.ExecuteReader();
        var list = new List<MetricPoint>();
        while (reader.Read())
        {
            list.Add(new MetricPoint(runId, name, reader.IsDBNull(2) ? double.NaN : reader.GetDouble(2), reader.GetInt64(0), Sql.Time(reader.GetInt64(1))));
        }

        return Task.FromResult<IReadOnlyList<MetricPoint>>(list);
    }

    // ---------------------------------------------------------------- artifacts

    public Task LogArtifactAsync(RunArtifact artifact, CancellationToken cancellationToken = default)
    {
        RequireName(artifact.Name, "artifact name");
        if (!artifact.Digest.StartsWith("sha256:", StringComparison.Ordinal) || artifact.Digest.Length != 71)
        {
            throw new ArgumentException($"artifact digest '{artifact.Digest}' is not of the form sha256:<64 hex digits>", nameof(artifact));
        }

        return _database.WriteAsync((c, t) => Sql.Execute(c, t, """
            INSERT INTO run_artifacts (run_key, direction, name, uri, digest, size, is_dir, logged_at)
            VALUES ($k, $dir, $n, $uri, $d, $size, $isdir, $at)
            ON CONFLICT(run_key, direction, name) DO UPDATE SET uri = excluded.uri, digest = excluded.digest, size = excluded.size, is_dir = excluded.is_dir;
            """,
            ("$k", RunKey(c, t, artifact.RunId)), ("$dir", DirectionWord(artifact.Direction)), ("$n", artifact.Name), ("$uri", artifact.Uri),
            ("$d", artifact.Digest), ("$size", artifact.Size), ("$isdir", artifact.IsDirectory),
            ("$at", Sql.Ms(artifact.LoggedAt == default ? DateTimeOffset.UtcNow : artifact.LoggedAt))), cancellationToken);
    }

    public Task<IReadOnlyList<RunArtifact>> GetArtifactsAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(ReadArtifacts("r.run_id = $id ORDER BY a.direction DESC, a.name", ("$id", runId)));

    public Task<ArtifactLineage> GetLineageAsync(string digest, CancellationToken cancellationToken = default)
    {
        var all = ReadArtifacts("a.digest = $d ORDER BY a.logged_at, r.run_key", ("$d", digest));
        return Task.FromResult(new ArtifactLineage(
            digest,
            all.Where(a => a.Direction == ArtifactDirection.Output).ToList(),
            all.Where(a => a.Direction == ArtifactDirection.Input).ToList()));
    }

    private IReadOnlyList<RunArtifact> ReadArtifacts(string where, params (string, object?)[] parameters)
    {
        using var connection = _database.OpenReader();
        using var command = Sql.Command(connection, null, $"""
            SELECT r.run_id, a.name, a.direction, a.uri, a.digest, a.size, a.is_dir, a.logged_at
            FROM run_artifacts a JOIN runs r ON r.run_key = a.run_key WHERE {where};
            """, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<RunArtifact>();
        while (reader.Read())
        {
            list.Add(new RunArtifact
            {
                RunId = reader.GetString(0),
                Name = reader.GetString(1),
                Direction = reader.GetString(2) == "input" ? ArtifactDirection.Input : ArtifactDirection.Output,
                Uri = reader.GetString(3),
                Digest = reader.GetString(4),
                Size = reader.GetInt64(5),
                IsDirectory = reader.GetInt64(6) != 0,
                LoggedAt = Sql.Time(reader.GetInt64(7)),
            });
        }

        return list;
    }

    private static string DirectionWord(ArtifactDirection direction) => direction == ArtifactDirection.Input ? "input" : "output";

    // ---------------------------------------------------------------- search

    /// <summary>How many runs the default-order walk of a search may look at before it falls back (docs/search.md); tests make it small.</summary>
    internal int SearchWalkRuns { get; set; } = RunSearchCompiler.DefaultWalkRuns;

    public Task<RunPage> SearchRunsAsync(RunSearchRequest request, CancellationToken cancellationToken = default)
    {
        var compiled = RunSearchCompiler.Compile(request, SearchWalkRuns);
        using var connection = _database.OpenReader();
        var keys = RunSearchExecutor.PageKeys(connection, compiled);
        var hasMore = keys.Count > compiled.Limit;
        if (hasMore)
        {
            keys.RemoveRange(compiled.Limit, keys.Count - compiled.Limit);
        }

        var details = RunDetailsLoader.Load(connection, RunReader.ReadByKeys(connection, keys));
        return Task.FromResult(new RunPage(details, hasMore ? compiled.NextPageToken() : null));
    }

    // ---------------------------------------------------------------- helpers

    private long RunKey(SqliteConnection c, SqliteTransaction? t, string runId) =>
        TryRunKey(c, t, runId, out var key) ? key : throw new TrackingNotFoundException($"run '{runId}' does not exist in {Uri}");

    private bool TryRunKey(SqliteConnection c, SqliteTransaction? t, string runId, out long key)
    {
        if (_runKeys.TryGetValue(runId, out key))
        {
            return true;
        }

        if (Sql.Scalar(c, t, "SELECT run_key FROM runs WHERE run_id = $id;", ("$id", runId)) is long found)
        {
            _runKeys[runId] = key = found;
            return true;
        }

        return false;
    }

    private static void RequireName(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"the {what} is empty");
        }
    }

    private static void RequireJsonObject(string json, string what)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new ArgumentException($"the {what} must be a JSON object, not {document.RootElement.ValueKind}");
            }
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new ArgumentException($"the {what} are not valid JSON: {e.Message}", e);
        }
    }
}
