using System.Globalization;
using System.Text.RegularExpressions;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests.Search;

/// <summary>
/// Every plan shape (ordered walk that fills the page, walk cut off then candidate set, candidate
/// set chosen by the probe, name-prefix range, metric order with its fallback, keys-then-rows)
/// against a naive evaluation of the same query over a generated store. The page sizes and offsets
/// are chosen so that each query meets more than one plan.
/// </summary>
public sealed class SearchPlanTests(SearchPlanTests.GeneratedStore store) : IClassFixture<SearchPlanTests.GeneratedStore>
{
    public static readonly TheoryData<string?> Filters =
    [
        null,
        "metrics.m0 > 0.5",
        "metrics.m0 > 0.9",
        "metrics.m0 > 0.5 and params.p1 = '3'",
        "params.p2 in ('1', '2', '3') and not tags.team = 'a'",
        "params.p4 > 7 and metrics.m2 <= 0.1",
        "status = 'failed' or metrics.m3 < 0.1",
        "experiment = 'exp1' and metrics.m1 > 0.2",
        "name like 'RUN-01%'",
        "name like 'run-1_3' or name like 'run-0%7'",
        "name like 'run-01%' and metrics.m0 > 0.3",
        "name like '%5'",
        "tags.owner is null or params.p1 != '2'",
        "start_time is null",
        "not metrics.m4 > 0.5",
        "params.p3 >= 5 and params.p3 < 8 and tags.team = 'b'",
        "params.p1 = 'x' and metrics.m0 > 0.1",
        "run_id = 'r17'",
        "metrics.missing > 0",
    ];

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task Every_page_matches_a_naive_evaluation(string? filter)
    {
        foreach (var orderBy in new[] { null, "start_time", "start_time desc", "metrics.m1 desc", "metrics.m1", "params.p1 desc, name" })
        {
            var expected = store.Naive(filter, orderBy);
            foreach (var (limit, offset) in new[] { (10, 0), (3, 0), (10, 7), (25, 40), (100, 0), (7, 190) })
            {
                var page = await store.Store.SearchRunsAsync(new RunSearchRequest { Filter = filter, OrderBy = orderBy, Limit = limit, Offset = offset });
                var want = expected.Skip(offset).Take(limit).ToList();
                Assert.True(want.SequenceEqual(page.Runs.Select(r => r.Run.RunId)),
                    $"filter '{filter}', order '{orderBy}', limit {limit}, offset {offset}: expected [{string.Join(' ', want)}], got [{string.Join(' ', page.Runs.Select(r => r.Run.RunId))}]");
                Assert.Equal(expected.Count > offset + limit, page.NextPageToken is not null);
            }
        }
    }

    [Theory]
    [InlineData("metrics.m0 > 0.5 and params.p1 = '3'")]
    [InlineData("metrics.m0 > 0.9")]
    [InlineData("name like 'RUN-1%'")]
    public async Task Paging_with_tokens_visits_every_match_once_in_order(string filter)
    {
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await store.Store.SearchRunsAsync(new RunSearchRequest { Filter = filter, Limit = 4, PageToken = token });
            seen.AddRange(page.Runs.Select(r => r.Run.RunId));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(store.Naive(filter, null), seen);
    }

    /// <summary>200 runs: creation times in groups of three (ties break on the key), some without a start, metric, param or tag.</summary>
    public sealed class GeneratedStore : IAsyncLifetime
    {
        private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

        private readonly TempFolder _temp = new();
        private readonly List<Spec> _runs = [];
        private TrackingStores _stores = null!;

        public SqliteTrackingStore Store => (SqliteTrackingStore)_stores.Runs;

        public async Task InitializeAsync()
        {
            _stores = _temp.OpenStores();
            var random = new Random(7);
            var writes = new List<Task>();
            for (var i = 1; i <= 200; i++)
            {
                var started = random.Next(10) > 0;
                var spec = new Spec(
                    i,
                    "r" + i,
                    i % 7 == 0 ? $"RUN-{i:D3}" : $"run-{i:D3}",
                    "exp" + (i % 3),
                    started ? (random.Next(3) == 0 ? RunStatus.Failed : RunStatus.Succeeded) : RunStatus.Queued,
                    T0.AddMinutes(i / 3),
                    started ? T0.AddSeconds(random.Next(5_000)) : null,
                    TimeSpan.FromSeconds(random.Next(1, 900)),
                    Enumerable.Range(0, 5).Where(_ => random.Next(10) > 0).ToDictionary(m => "m" + m, _ => Math.Round(random.NextDouble(), 3)),
                    Enumerable.Range(1, 4).Where(_ => random.Next(10) > 0).ToDictionary(p => "p" + p, p => p == 1 && random.Next(8) == 0 ? "x" : random.Next(10).ToString(CultureInfo.InvariantCulture)),
                    new[] { "team", "owner" }.Where(_ => random.Next(5) > 0).ToDictionary(t => t, t => t == "team" ? (random.Next(3) == 0 ? "a" : "b") : "user" + random.Next(4)));
                _runs.Add(spec);

                // Writes apply in the order issued, so they need not be awaited one by one.
                var runs = _stores.Runs;
                writes.Add(runs.CreateRunAsync(new NewRun { RunId = spec.Id, Experiment = spec.Experiment, Kind = RunKind.Pipeline, Name = spec.Name, CreatedAt = spec.Created }));
                if (spec.Start is { } start)
                {
                    writes.Add(runs.SetRunStatusAsync(spec.Id, new RunStatusUpdate(RunStatus.Running, At: start)));
                    writes.Add(runs.SetRunStatusAsync(spec.Id, new RunStatusUpdate(spec.Status, At: start + spec.Duration)));
                }

                writes.Add(runs.LogMetricsAsync(spec.Metrics.Select(m => new MetricPoint(spec.Id, m.Key, m.Value, 0, T0)).ToList()));
                writes.Add(runs.LogParamsAsync(spec.Id, spec.Params));
                writes.Add(runs.SetTagsAsync(spec.Id, spec.Tags));
            }

            await Task.WhenAll(writes);
            // Small enough that the walk is cut off on the first pages of these 200 runs.
            Store.SearchWalkRuns = 20;
        }

        public async Task DisposeAsync()
        {
            await _stores.DisposeAsync();
            _temp.Dispose();
        }

        /// <summary>Every matching run id, in the documented order (docs/search.md).</summary>
        public List<string> Naive(string? filter, string? orderBy)
        {
            var test = RunQueryParser.ParseFilter(filter);
            var order = RunQueryParser.ParseOrderBy(orderBy);
            var matches = _runs.Where(r => test is null || Matches(test, r)).ToList();
            matches.Sort((a, b) => Compare(order, a, b));
            return matches.Select(r => r.Id).ToList();
        }

        private static bool Matches(QueryExpression expression, Spec run) => expression switch
        {
            QueryAnd and => Matches(and.Left, run) && Matches(and.Right, run),
            QueryOr or => Matches(or.Left, run) || Matches(or.Right, run),
            QueryNot not => !Matches(not.Operand, run),
            QueryCompare compare => Value(compare.Field, run, compare.Value.IsNumber) is { } value && Holds(CompareValues(value, compare.Value.Value), compare.Operator),
            QueryIn @in => Value(@in.Field, run, @in.Values[0].IsNumber) is { } value && @in.Values.Any(v => CompareValues(value, v.Value) == 0) != @in.Negated,
            QueryLike like => Value(like.Field, run, false) is string text && Like(text, (string)like.Pattern.Value) != like.Negated,
            QueryIsNull isNull => Value(isNull.Field, run, false) is null != isNull.Negated,
            _ => throw new InvalidOperationException(expression.GetType().Name),
        };

        /// <summary>A field's value: a double for numbers and times, a string for text, null when the run has none.</summary>
        private static object? Value(QueryField field, Spec run, bool numeric)
        {
            switch (field.Kind)
            {
                case QueryFieldKind.Metric:
                    return run.Metrics.TryGetValue(field.Name, out var metric) ? metric : null;
                case QueryFieldKind.Param or QueryFieldKind.Tag:
                    var values = field.Kind == QueryFieldKind.Param ? run.Params : run.Tags;
                    if (!values.TryGetValue(field.Name, out var text))
                    {
                        return null;
                    }

                    return numeric ? Sql.AsNumber(text) : text;
            }

            return field.Name switch
            {
                "run_id" => run.Id,
                "name" => run.Name,
                "experiment" => run.Experiment,
                "status" => run.Status.ToWord(),
                "created_time" => (double)run.Created.ToUnixTimeMilliseconds(),
                "start_time" => run.Start?.ToUnixTimeMilliseconds(),
                "end_time" => (run.Start + run.Duration)?.ToUnixTimeMilliseconds(),
                "duration" => run.Start is null ? null : run.Duration.TotalSeconds,
                "kind" => "pipeline",
                _ => null,
            };
        }

        private static int CompareValues(object a, object b) => (a, b) switch
        {
            (string x, string y) => string.CompareOrdinal(x, y),
            (string, _) => 1, // text sorts after numbers, as in SQLite
            (_, string) => -1,
            _ => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        };

        private static bool Holds(int comparison, QueryComparison op) => op switch
        {
            QueryComparison.Equal => comparison == 0,
            QueryComparison.NotEqual => comparison != 0,
            QueryComparison.Less => comparison < 0,
            QueryComparison.LessOrEqual => comparison <= 0,
            QueryComparison.Greater => comparison > 0,
            _ => comparison >= 0,
        };

        /// <summary>% any run, _ one character, ASCII case ignored (the data is ASCII).</summary>
        private static bool Like(string text, string pattern) =>
            Regex.IsMatch(text, "^" + Regex.Escape(pattern).Replace("%", ".*", StringComparison.Ordinal).Replace("_", ".", StringComparison.Ordinal) + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);

        /// <summary>
        /// Order terms with missing values last in either direction; ties on the run key, descending,
        /// except among the runs that have a first-term metric, which tie in the metric's direction.
        /// Without an order: newest first.
        /// </summary>
        private static int Compare(IReadOnlyList<QueryOrderTerm> order, Spec a, Spec b)
        {
            if (order.Count == 0)
            {
                var created = b.Created.CompareTo(a.Created);
                return created != 0 ? created : b.Key.CompareTo(a.Key);
            }

            var keyDescending = true;
            for (var i = 0; i < order.Count; i++)
            {
                var (x, y) = (SortValue(order[i].Field, a), SortValue(order[i].Field, b));
                if (i == 0 && order[0].Field.Kind == QueryFieldKind.Metric && x is not null && y is not null)
                {
                    keyDescending = order[0].Descending;
                }

                if (x is null || y is null)
                {
                    if (x is null && y is null)
                    {
                        continue;
                    }

                    return x is null ? 1 : -1;
                }

                var comparison = CompareValues(x, y);
                if (comparison != 0)
                {
                    return order[i].Descending ? -comparison : comparison;
                }
            }

            return keyDescending ? b.Key.CompareTo(a.Key) : a.Key.CompareTo(b.Key);
        }

        /// <summary>Params and tags sort as numbers when they read as one, before text.</summary>
        private static object? SortValue(QueryField field, Spec run) =>
            field.Kind is QueryFieldKind.Param or QueryFieldKind.Tag && Value(field, run, false) is string text
                ? Sql.AsNumber(text) is { } number ? number : text
                : Value(field, run, false);
    }

    public sealed record Spec(
        long Key,
        string Id,
        string Name,
        string Experiment,
        RunStatus Status,
        DateTimeOffset Created,
        DateTimeOffset? Start,
        TimeSpan Duration,
        Dictionary<string, double> Metrics,
        Dictionary<string, string> Params,
        Dictionary<string, string> Tags);
}
