namespace MLOps.Tracking.Sqlite;

/// <summary>
/// The schema as an ordered list of migrations. A migration is never edited once released; a
/// change is a new entry. <c>schema_migrations</c> records which ran.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> Migrations =
    [
        (1, "runs, metrics, params, tags, artifacts, registry", """
            CREATE TABLE experiments (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL
            );

            CREATE TABLE runs (
                run_key INTEGER PRIMARY KEY,
                run_id TEXT NOT NULL UNIQUE,
                experiment_id TEXT NOT NULL REFERENCES experiments(id),
                kind TEXT NOT NULL,
                name TEXT NOT NULL,
                parent_run_id TEXT REFERENCES runs(run_id),
                root_run_id TEXT NOT NULL,
                node_instance_id TEXT,
                pipeline TEXT,
                source_file TEXT,
                source_digest TEXT,
                plan_digest TEXT,
                git_commit TEXT,
                status TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                start_time INTEGER,
                end_time INTEGER,
                cache_key TEXT,
                cache_key_components TEXT,
                cached_from_run_id TEXT
            );
            CREATE UNIQUE INDEX runs_parent_node ON runs(parent_run_id, node_instance_id)
                WHERE parent_run_id IS NOT NULL AND node_instance_id IS NOT NULL;
            CREATE INDEX runs_parent ON runs(parent_run_id, created_at);
            CREATE INDEX runs_root ON runs(root_run_id);
            CREATE INDEX runs_experiment ON runs(experiment_id, start_time);
            CREATE INDEX runs_start_time ON runs(start_time);
            CREATE INDEX runs_created_at ON runs(created_at);
            CREATE INDEX runs_status ON runs(status);
            CREATE INDEX runs_name ON runs(name);
            CREATE INDEX runs_pipeline ON runs(pipeline);
            CREATE INDEX runs_cache_key ON runs(cache_key, status) WHERE cache_key IS NOT NULL;

            CREATE TABLE run_status_history (
                run_key INTEGER NOT NULL REFERENCES runs(run_key),
                seq INTEGER NOT NULL,
                from_status TEXT,
                to_status TEXT NOT NULL,
                at INTEGER NOT NULL,
                message TEXT,
                PRIMARY KEY (run_key, seq)
            ) WITHOUT ROWID;

            CREATE TABLE step_attempts (
                run_key INTEGER NOT NULL REFERENCES runs(run_key),
                attempt INTEGER NOT NULL,
                executor TEXT NOT NULL,
                handle_id TEXT NOT NULL,
                stdout_path TEXT,
                stderr_path TEXT,
                owner_host TEXT,
                owner_pid INTEGER,
                started_at INTEGER,
                ended_at INTEGER,
                state TEXT,
                exit_code INTEGER,
                message TEXT,
                PRIMARY KEY (run_key, attempt)
            ) WITHOUT ROWID;
            CREATE INDEX step_attempts_open ON step_attempts(run_key) WHERE ended_at IS NULL;

            CREATE TABLE params (
                run_key INTEGER NOT NULL REFERENCES runs(run_key),
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                num_value REAL,
                PRIMARY KEY (run_key, name)
            ) WITHOUT ROWID;
            CREATE INDEX params_name_value ON params(name, value);
            CREATE INDEX params_name_num ON params(name, num_value);

            CREATE TABLE tags (
                run_key INTEGER NOT NULL REFERENCES runs(run_key),
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                num_value REAL,
                PRIMARY KEY (run_key, name)
            ) WITHOUT ROWID;
            CREATE INDEX tags_name_value ON tags(name, value);
            CREATE INDEX tags_name_num ON tags(name, num_value);

            CREATE TABLE metrics (
                run_key INTEGER NOT NULL,
                name TEXT NOT NULL,
                step INTEGER NOT NULL,
                ts INTEGER NOT NULL,
                value REAL
            );
            CREATE INDEX metrics_history ON metrics(run_key, name, step, ts);

            CREATE TABLE metrics_latest (
                run_key INTEGER NOT NULL,
                name TEXT NOT NULL,
                step INTEGER NOT NULL,
                ts INTEGER NOT NULL,
                value REAL,
                PRIMARY KEY (run_key, name)
            ) WITHOUT ROWID;
            CREATE INDEX metrics_latest_name_value ON metrics_latest(name, value);

            CREATE TABLE run_artifacts (
                run_key INTEGER NOT NULL REFERENCES runs(run_key),
                direction TEXT NOT NULL,
                name TEXT NOT NULL,
                uri TEXT NOT NULL,
                digest TEXT NOT NULL,
                size INTEGER NOT NULL,
                is_dir INTEGER NOT NULL,
                logged_at INTEGER NOT NULL,
                PRIMARY KEY (run_key, direction, name)
            ) WITHOUT ROWID;
            CREATE INDEX run_artifacts_digest ON run_artifacts(digest, direction);

            CREATE TABLE models (
                name TEXT PRIMARY KEY,
                created_at INTEGER NOT NULL,
                latest_version INTEGER NOT NULL DEFAULT 0,
                alias_seq INTEGER NOT NULL DEFAULT 0
            );

            CREATE TABLE model_versions (
                model TEXT NOT NULL REFERENCES models(name),
                version INTEGER NOT NULL,
                source_run_id TEXT,
                artifact_uri TEXT NOT NULL,
                artifact_digest TEXT NOT NULL,
                metrics_json TEXT NOT NULL,
                tags_json TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                created_by TEXT,
                idempotency_key TEXT,
                PRIMARY KEY (model, version)
            );
            CREATE UNIQUE INDEX model_versions_idempotency ON model_versions(model, idempotency_key)
                WHERE idempotency_key IS NOT NULL;

            CREATE TABLE model_aliases (
                model TEXT NOT NULL REFERENCES models(name),
                alias TEXT NOT NULL,
                version INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                updated_by TEXT NOT NULL,
                PRIMARY KEY (model, alias)
            ) WITHOUT ROWID;

            CREATE TABLE alias_history (
                model TEXT NOT NULL,
                seq INTEGER NOT NULL,
                alias TEXT NOT NULL,
                from_version INTEGER,
                to_version INTEGER,
                actor TEXT NOT NULL,
                at INTEGER NOT NULL,
                reason TEXT,
                PRIMARY KEY (model, seq)
            ) WITHOUT ROWID;

            CREATE TABLE registry_audit (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL,
                model TEXT NOT NULL,
                version INTEGER,
                alias TEXT,
                policy TEXT,
                outcome TEXT,
                verdicts_json TEXT,
                details_json TEXT,
                actor TEXT,
                at INTEGER NOT NULL
            );
            CREATE INDEX registry_audit_model ON registry_audit(model, id);
            """),
        (2, "search: duration index", """
            CREATE INDEX runs_duration ON runs((end_time - start_time));
            """),
        (3, "registry: promotion policies, promotions awaiting approval, approvals", """
            CREATE TABLE model_policies (
                model TEXT NOT NULL,
                name TEXT NOT NULL,
                policy_json TEXT NOT NULL,
                source_digest TEXT,
                updated_at INTEGER NOT NULL,
                updated_by TEXT,
                PRIMARY KEY (model, name)
            ) WITHOUT ROWID;

            CREATE TABLE promotions (
                model TEXT NOT NULL,
                version INTEGER NOT NULL,
                policy TEXT NOT NULL,
                state TEXT NOT NULL,
                policy_json TEXT NOT NULL,
                pending_groups TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                updated_by TEXT,
                audit_id INTEGER,
                PRIMARY KEY (model, version, policy)
            ) WITHOUT ROWID;
            CREATE INDEX promotions_state ON promotions(state, model);

            CREATE TABLE promotion_approvals (
                model TEXT NOT NULL,
                version INTEGER NOT NULL,
                policy TEXT NOT NULL,
                group_name TEXT NOT NULL,
                approver TEXT NOT NULL,
                at INTEGER NOT NULL,
                PRIMARY KEY (model, version, policy, group_name)
            ) WITHOUT ROWID;
            """),
        // History clustered on its read order: one b-tree insert per point instead of a rowid
        // table plus an index (docs/stores.md). seq orders points with equal step and time as
        // they were logged; the old rowid did that, so existing points keep their order.
        (4, "metrics: history as a WITHOUT ROWID table clustered on (run, name, step, time, seq)", """
            ALTER TABLE metrics RENAME TO metrics_v3;
            CREATE TABLE metrics (
                run_key INTEGER NOT NULL,
                name TEXT NOT NULL,
                step INTEGER NOT NULL,
                ts INTEGER NOT NULL,
                seq INTEGER NOT NULL,
                value REAL,
                PRIMARY KEY (run_key, name, step, ts, seq)
            ) WITHOUT ROWID;
            INSERT INTO metrics (run_key, name, step, ts, seq, value)
                SELECT run_key, name, step, ts, rowid, value FROM metrics_v3 ORDER BY run_key, name, step, ts, rowid;
            DROP TABLE metrics_v3;

            CREATE TABLE metrics_sequence (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                next INTEGER NOT NULL
            );
            INSERT INTO metrics_sequence (id, next) SELECT 1, COALESCE(MAX(seq), 0) + 1 FROM metrics;
            """),
        // LIKE ignores ASCII case, as NOCASE does: SQLite turns `name LIKE 'prefix%'` into a range
        // on this index (a bound pattern too), instead of testing every run.
        (5, "search: case-insensitive name index for like prefixes", """
            CREATE INDEX runs_name_nocase ON runs(name COLLATE NOCASE);
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;
}
