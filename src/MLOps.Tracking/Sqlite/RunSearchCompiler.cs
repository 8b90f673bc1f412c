using System.Security.Cryptography;
using System.Text;
using MLOps.Tracking.Search;

namespace MLOps.Tracking.Sqlite;

/// <summary>One parameterized statement.</summary>
internal sealed record SqlStatement(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters);

/// <summary>
/// A search compiled to SQLite statements that each return the run keys of the page in order (the
/// runs' columns are read afterwards for those keys only, so skipped and sorted rows stay narrow);
/// every user-supplied text is a parameter. When the first order term is a metric,
/// <see cref="Primary"/> walks the runs that have the metric in index order and
/// <see cref="Fallback"/> lists the runs without it (they sort last); <see cref="PrimaryCount"/>
/// counts the first group when a page starts past it. <see cref="Walk"/>, when set, is tried first:
/// see <see cref="RunSearchCompiler.DefaultOrderWalk"/>.
/// </summary>
internal sealed record CompiledRunSearch(SqlStatement Primary, SqlStatement? Fallback, SqlStatement? PrimaryCount, int Limit, int Offset, string QueryHash)
{
    public SqlStatement? Walk { get; init; }

    /// <summary>How many runs, newest first, <see cref="Walk"/> may look at before the search falls back to <see cref="Primary"/>.</summary>
    public int WalkRuns { get; init; }

    /// <summary>
    /// Counts (up to <c>$probe</c>) the candidates of the test that would drive <see cref="Primary"/>:
    /// few candidates make the candidate-set plan cheaper than the walk.
    /// </summary>
    public SqlStatement? Probe { get; init; }

    public string NextPageToken() => RunSearchCompiler.EncodeToken(Offset + Limit, QueryHash);
}

/// <summary>
/// Compiles a checked query tree to SQL. Column names come only from the fixed table below;
/// metric, parameter and tag names and all values are bound parameters. A test on a named field
/// is <c>run_key IN (SELECT run_key FROM metrics_latest WHERE name = ? AND value op ?)</c>, which
/// uses the (name, value) index and gives two-valued logic: a run without the metric does not
/// match <c>metrics.x &gt; 1</c> and does match <c>not metrics.x &gt; 1</c>.
/// </summary>
internal static class RunSearchCompiler
{
    public const int MaxLimit = 10_000;

    private static readonly Dictionary<string, (string Sql, bool Nullable)> AttributeColumns = new(StringComparer.Ordinal)
    {
        ["run_id"] = ("r.run_id", false),
        ["name"] = ("r.name", false),
        ["experiment"] = ("e.name", false),
        ["status"] = ("r.status", false),
        ["kind"] = ("r.kind", false),
        ["pipeline"] = ("r.pipeline", true),
        ["parent_run_id"] = ("r.parent_run_id", true),
        ["root_run_id"] = ("r.root_run_id", false),
        ["node"] = ("r.node_instance_id", true),
        ["git_commit"] = ("r.git_commit", true),
        ["source_digest"] = ("r.source_digest", true),
        ["plan_digest"] = ("r.plan_digest", true),
        ["cache_key"] = ("r.cache_key", true),
        ["created_time"] = ("r.created_at", false),
        ["start_time"] = ("r.start_time", true),
        ["end_time"] = ("r.end_time", true),
        ["duration"] = ("(r.end_time - r.start_time)", true),
    };

    /// <summary>Runs the default-order walk may look at before it gives up; also the least when a deep page needs more.</summary>
    public const int DefaultWalkRuns = 10_000;

    public static CompiledRunSearch Compile(RunSearchRequest request, int walkRuns = DefaultWalkRuns)
    {
        if (request.Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Limit, $"the page size must be between 1 and {MaxLimit}");
        }

        var filter = RunQueryParser.ParseFilter(request.Filter);
        var order = RunQueryParser.ParseOrderBy(request.OrderBy);
        var hash = QueryHash(request);
        var offset = request.PageToken is null ? request.Offset : DecodeToken(request.PageToken, hash);
        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(request), offset, "the offset cannot be negative");
        }

        if (order.Count > 0 && order[0].Field.Kind == QueryFieldKind.Metric)
        {
            var metric = order[0];
            var rest = order.Skip(1).ToList();
            return new CompiledRunSearch(
                WithMetric(filter, metric, rest, $"LIMIT {{0}} OFFSET {{1}}", request.Limit + 1, offset),
                WithoutMetric(filter, metric.Field.Name, rest),
                WithMetric(filter, metric, rest, null, 0, 0, count: true),
                request.Limit,
                offset,
                hash);
        }

        var builder = new Builder();
        var where = filter is null ? null : builder.Condition(filter);
        var orderBy = new StringBuilder();
        AppendOrder(orderBy, builder, order);
        orderBy.Append(order.Count == 0 ? "r.created_at DESC, r.run_key DESC" : "r.run_key DESC");
        var sql = new StringBuilder($"SELECT r.run_key FROM {builder.From()}");
        if (where is not null)
        {
            sql.Append(" WHERE ").Append(where);
        }

        sql.Append(" ORDER BY ").Append(orderBy);
        sql.Append(" LIMIT ").Append(builder.Add(request.Limit + 1)).Append(" OFFSET ").Append(builder.Add(offset)).Append(';');
        var compiled = new CompiledRunSearch(new SqlStatement(sql.ToString(), builder.Parameters), null, null, request.Limit, offset, hash);
        if (filter is null || order.Count > 0)
        {
            return compiled;
        }

        var terms = new List<QueryExpression>();
        Builder.Flatten(filter, terms);
        if (terms.Any(IndexedAttributeTest))
        {
            // A name prefix or an id picks few runs through a runs index: the candidate set is small.
            return compiled;
        }

        var driver = terms.MinBy(Builder.DriverScore)!;
        var probe = new Builder();
        return compiled with
        {
            Walk = DefaultOrderWalk(filter, request.Limit + 1, offset),
            WalkRuns = (int)Math.Min(int.MaxValue, Math.Max(walkRuns, 10L * (offset + request.Limit + 1))),
            Probe = Builder.DriverScore(driver) < 3 ? new SqlStatement(probe.CandidateCount(driver), probe.Parameters) : null,
        };
    }

    /// <summary>Equality on an attribute with its own index that names one or few runs, or a <c>like</c> on the name with a fixed prefix.</summary>
    private static bool IndexedAttributeTest(QueryExpression term) => term switch
    {
        QueryCompare { Field.Kind: QueryFieldKind.Attribute, Operator: QueryComparison.Equal } compare =>
            compare.Field.Name is "run_id" or "name" or "parent_run_id" or "root_run_id" or "cache_key",
        QueryLike { Field: { Kind: QueryFieldKind.Attribute, Name: "name" }, Negated: false } like =>
            like.Pattern.Value is string pattern && pattern.Length > 0 && pattern[0] is not ('%' or '_'),
        _ => false,
    };

    /// <summary>
    /// The newest runs after <c>$cut_at</c>/<c>$cut_key</c> (the <see cref="WalkCutoff"/> row), in
    /// the created_at index, each checked with per-run lookups. A broad filter fills the page after
    /// a few hundred runs instead of building and sorting every match; the cutoff bounds what a
    /// selective one costs before the store falls back to the candidate-set plan. Its rows are the
    /// answer when the page is full (they are the first matches in order) or nothing was cut off.
    /// </summary>
    internal static SqlStatement DefaultOrderWalk(QueryExpression filter, int limit, int offset)
    {
        var builder = new Builder();
        var where = builder.Condition(filter, correlated: true);
        // CROSS JOIN keeps the index walk outermost, so LIMIT stops it.
        var from = builder.UsesExperiment
            ? "runs r INDEXED BY runs_created_at CROSS JOIN experiments e ON e.id = r.experiment_id"
            : "runs r INDEXED BY runs_created_at";
        var sql = $"SELECT r.run_key FROM {from} WHERE r.created_at >= $cut_at AND (r.created_at > $cut_at OR r.run_key >= $cut_key) AND {where}" +
            $" ORDER BY r.created_at DESC, r.run_key DESC LIMIT {builder.Add(limit)} OFFSET {builder.Add(offset)};";
        return new SqlStatement(sql, builder.Parameters);
    }

    /// <summary>The run <c>$walk</c> places into the default order (created_at, run_key), read from the covering index alone.</summary>
    public const string WalkCutoff = "SELECT created_at, run_key FROM runs INDEXED BY runs_created_at ORDER BY created_at DESC, run_key DESC LIMIT 1 OFFSET $walk;";

    private static void AppendOrder(StringBuilder sql, Builder builder, IEnumerable<QueryOrderTerm> order)
    {
        foreach (var term in order)
        {
            sql.Append(builder.OrderExpression(term.Field)).Append(term.Descending ? " DESC" : " ASC").Append(" NULLS LAST, ");
        }
    }

    /// <summary>
    /// Runs that have the order metric, driven by the metrics_latest (name, value) index so a page
    /// needs no sort of every run. Ties go by run key in the same direction as the index.
    /// </summary>
    private static SqlStatement WithMetric(QueryExpression? filter, QueryOrderTerm metric, List<QueryOrderTerm> rest, string? paging, int limit, int offset, bool count = false)
    {
        var builder = new Builder();
        var name = builder.Add(metric.Field.Name);
        var where = filter is null ? null : builder.Condition(filter, correlated: true);
        var orderBy = new StringBuilder();
        if (!count)
        {
            var direction = metric.Descending ? " DESC" : " ASC";
            orderBy.Append(" ORDER BY o.value").Append(direction).Append(", ");
            AppendOrder(orderBy, builder, rest);
            orderBy.Append("o.run_key").Append(direction).Append(' ');
            orderBy.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, paging!, builder.Add(limit), builder.Add(offset)));
        }

        var sql = new StringBuilder(count ? "SELECT COUNT(*)" : "SELECT o.run_key");
        sql.Append(" FROM metrics_latest o CROSS JOIN runs r");
        if (builder.UsesExperiment)
        {
            sql.Append(" JOIN experiments e ON e.id = r.experiment_id");
        }

        sql.Append($" WHERE o.name = {name} AND r.run_key = o.run_key");
        if (where is not null)
        {
            sql.Append(" AND ").Append(where);
        }

        return new SqlStatement(sql.Append(orderBy).Append(';').ToString(), builder.Parameters);
    }

    /// <summary>Runs without the order metric; the store adds LIMIT and OFFSET parameters $limit and $offset.</summary>
    private static SqlStatement WithoutMetric(QueryExpression? filter, string metric, List<QueryOrderTerm> rest)
    {
        var builder = new Builder();
        var without = $"r.run_key NOT IN (SELECT run_key FROM metrics_latest WHERE name = {builder.Add(metric)})";
        var where = filter is null ? null : builder.Condition(filter, correlated: true);
        var orderBy = new StringBuilder();
        AppendOrder(orderBy, builder, rest);
        var sql = new StringBuilder($"SELECT r.run_key FROM {builder.From()} WHERE {without}");
        if (where is not null)
        {
            sql.Append(" AND ").Append(where);
        }

        sql.Append(" ORDER BY ").Append(orderBy).Append("r.run_key DESC LIMIT $limit OFFSET $offset;");
        return new SqlStatement(sql.ToString(), builder.Parameters);
    }

    private sealed class Builder
    {
        public List<(string Name, object? Value)> Parameters { get; } = [];

        /// <summary>Whether a test or order term reads the experiment's name, so the statement must join experiments.</summary>
        public bool UsesExperiment { get; private set; }

        public string From() => UsesExperiment ? RunReader.From : "runs r";

        private bool _candidates;

        /// <summary>
        /// Counts the rows a named-field test (a driver of the candidate-set plan) finds in its
        /// (name, value) index, stopping at <c>$probe</c>.
        /// </summary>
        public string CandidateCount(QueryExpression driver)
        {
            _candidates = true;
            try
            {
                return $"SELECT COUNT(*) FROM ({Condition(driver)} LIMIT $probe);";
            }
            finally
            {
                _candidates = false;
            }
        }

        private (string Sql, bool Nullable) Column(string attribute)
        {
            var column = AttributeColumns[attribute];
            UsesExperiment |= column.Sql.StartsWith("e.", StringComparison.Ordinal);
            return column;
        }

        public string Add(object value)
        {
            var name = "$p" + Parameters.Count;
            Parameters.Add((name, value));
            return name;
        }

        /// <summary>
        /// With <paramref name="correlated"/> a named-field test is a per-run EXISTS lookup instead
        /// of an IN over every matching run: the first test of an AND chain picks the candidate
        /// runs through the (name, value) index, the later ones only check those candidates.
        /// </summary>
        public string Condition(QueryExpression expression, bool correlated = false) => expression switch
        {
            QueryAnd and => And(and, correlated),
            QueryOr or => $"({Condition(or.Left, correlated)} OR {Condition(or.Right, correlated)})",
            QueryNot not => $"(NOT {Condition(not.Operand, correlated)})",
            QueryCompare compare => Test(compare.Field, compare.Value.IsNumber, $"{{0}} {Operator(compare.Operator)} {Add(Value(compare.Field, compare.Value))}", correlated),
            QueryIn @in => Test(@in.Field, @in.Values[0].IsNumber, $"{{0}} {(@in.Negated ? "NOT IN" : "IN")} ({string.Join(", ", @in.Values.Select(v => Add(Value(@in.Field, v))))})", correlated),
            QueryLike like => Test(like.Field, false, $"{{0}} {(like.Negated ? "NOT LIKE" : "LIKE")} {Add(like.Pattern.Value)}", correlated),
            QueryIsNull isNull => IsNull(isNull),
            _ => throw new InvalidOperationException($"unknown query node {expression.GetType().Name}"),
        };

        /// <summary>
        /// An AND chain: the test most likely to be selective (equality, then an 'in' list, then a
        /// range) drives through its index; the others are checked per candidate run.
        /// </summary>
        private string And(QueryAnd and, bool correlated)
        {
            var terms = new List<QueryExpression>();
            Flatten(and, terms);
            var driver = correlated ? -1 : terms.Select((t, i) => (Score: DriverScore(t), Index: i)).Min().Index;
            return "(" + string.Join(" AND ", terms.Select((t, i) => Condition(t, i != driver))) + ")";
        }

        public static void Flatten(QueryExpression expression, List<QueryExpression> terms)
        {
            if (expression is QueryAnd and)
            {
                Flatten(and.Left, terms);
                Flatten(and.Right, terms);
            }
            else
            {
                terms.Add(expression);
            }
        }

        public static int DriverScore(QueryExpression expression) => expression switch
        {
            QueryCompare { Field.Kind: not QueryFieldKind.Attribute, Operator: QueryComparison.Equal } => 0,
            QueryIn { Field.Kind: not QueryFieldKind.Attribute, Negated: false } => 1,
            QueryCompare { Field.Kind: not QueryFieldKind.Attribute, Operator: not QueryComparison.NotEqual } => 2,
            _ => 3,
        };

        /// <summary>Applies a condition template (<c>{0}</c> is the value column) to a field.</summary>
        private string Test(QueryField field, bool numeric, string template, bool correlated)
        {
            if (field.Kind == QueryFieldKind.Attribute)
            {
                var (column, nullable) = Column(field.Name);
                var test = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, column);
                return nullable ? $"({column} IS NOT NULL AND {test})" : test;
            }

            var (table, valueColumn) = NamedTable(field.Kind, numeric);
            var name = Add(field.Name);
            var inner = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, valueColumn);
            if (_candidates)
            {
                return $"SELECT 1 FROM {table} WHERE name = {name} AND {inner}";
            }

            return correlated
                ? $"EXISTS (SELECT 1 FROM {table} WHERE run_key = r.run_key AND name = {name} AND {inner})"
                : $"r.run_key IN (SELECT run_key FROM {table} WHERE name = {name} AND {inner})";
        }

        /// <summary>Durations are stored as milliseconds and written in seconds.</summary>
        private static object Value(QueryField field, QueryValue value) =>
            field is { Kind: QueryFieldKind.Attribute, Name: "duration" } ? (double)value.Value * 1000 : value.Value;

        private string IsNull(QueryIsNull test)
        {
            if (test.Field.Kind == QueryFieldKind.Attribute)
            {
                var (column, _) = Column(test.Field.Name);
                return $"{column} IS {(test.Negated ? "NOT " : "")}NULL";
            }

            var (table, _) = NamedTable(test.Field.Kind, false);
            return $"r.run_key {(test.Negated ? "IN" : "NOT IN")} (SELECT run_key FROM {table} WHERE name = {Add(test.Field.Name)})";
        }

        public string OrderExpression(QueryField field)
        {
            if (field.Kind == QueryFieldKind.Attribute)
            {
                return Column(field.Name).Sql;
            }

            var name = Add(field.Name);
            return field.Kind == QueryFieldKind.Metric
                ? $"(SELECT value FROM metrics_latest WHERE run_key = r.run_key AND name = {name})"
                // Numbers sort numerically before text, text sorts by its bytes.
                : $"(SELECT COALESCE(num_value, value) FROM {NamedTable(field.Kind, false).Table} WHERE run_key = r.run_key AND name = {name})";
        }

        private static (string Table, string ValueColumn) NamedTable(QueryFieldKind kind, bool numeric) => kind switch
        {
            QueryFieldKind.Metric => ("metrics_latest", "value"),
            QueryFieldKind.Param => ("params", numeric ? "num_value" : "value"),
            _ => ("tags", numeric ? "num_value" : "value"),
        };

        private static string Operator(QueryComparison op) => op switch
        {
            QueryComparison.Equal => "=",
            QueryComparison.NotEqual => "!=",
            QueryComparison.Less => "<",
            QueryComparison.LessOrEqual => "<=",
            QueryComparison.Greater => ">",
            _ => ">=",
        };
    }

    private static string QueryHash(RunSearchRequest request)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{request.Filter}\n{request.OrderBy}\n{request.Limit}"));
        return Convert.ToHexString(bytes, 0, 6).ToLowerInvariant();
    }

    internal static string EncodeToken(int offset, string hash) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"v1:{offset}:{hash}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static int DecodeToken(string token, string hash)
    {
        string text;
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            text = Encoding.UTF8.GetString(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (FormatException)
        {
            throw new ArgumentException($"the page token '{token}' is not one this store issued");
        }

        var parts = text.Split(':');
        if (parts.Length != 3 || parts[0] != "v1" || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var offset) || offset < 0)
        {
            throw new ArgumentException($"the page token '{token}' is not one this store issued");
        }

        if (parts[2] != hash)
        {
            throw new ArgumentException("the page token belongs to another query (filter, order-by or page size changed); start again without a token");
        }

        return offset;
    }
}
