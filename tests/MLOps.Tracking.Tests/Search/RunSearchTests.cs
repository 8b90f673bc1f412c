using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests.Search;

public sealed class RunSearchTests(SearchFixture fixture) : IClassFixture<SearchFixture>
{
    private async Task<List<string>> Ids(string? filter, string? orderBy = null)
    {
        var page = await fixture.Stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = filter, OrderBy = orderBy, Limit = 100 });
        return page.Runs.Select(r => r.Run.RunId).ToList();
    }

    [Theory]
    [InlineData(null, "r1 r2 r3 r4 r5")]
    [InlineData("metrics.auc > 0.9", "r1 r3")]
    [InlineData("metrics.auc >= 0.91", "r1 r3")]
    [InlineData("metrics.auc == 0.95", "r1")]
    [InlineData("metrics.auc != 0.95", "r2 r3 r5")]
    [InlineData("metrics.auc <= 0.8", "r2 r5")]
    [InlineData("metrics.auc < 0.9 and status = 'failed'", "r2")]
    [InlineData("metrics.auc > 0.9 or tags.team = 'vision'", "r1 r2 r3")]
    [InlineData("not metrics.auc > 0.9", "r2 r4 r5")]
    [InlineData("not (metrics.auc > 0.9 or status = 'queued')", "r2 r4")]
    [InlineData("(metrics.auc > 0.9 or status = 'failed') and params.model = 'resnet'", "r1 r2")]
    [InlineData("metrics.auc > 0.9 or status = 'failed' and params.model = 'bert'", "r1 r3")]
    [InlineData("metrics.auc = 0.95 and metrics.loss < 0.2", "r1")]
    [InlineData("metrics.`auc` > 0.9", "r1 r3")]
    [InlineData("metrics.auc > -1e3", "r1 r2 r3 r5")]
    [InlineData("params.lr in ('0.1', '0.01')", "r1 r2 r4")]
    [InlineData("params.lr in (0.1, 0.01)", "r1 r2 r4")]
    [InlineData("params.lr > 0.005", "r1 r2 r4")]
    [InlineData("params.lr = 'abc'", "r5")]
    [InlineData("params.lr not in ('0.1')", "r2 r3 r4 r5")]
    [InlineData("params.missing = 'x'", "")]
    [InlineData("name like 'resnet%'", "r1 r2")]
    [InlineData("name LIKE 'RESNET-_'", "r1 r2")]
    [InlineData("name not like 'resnet%'", "r3 r4 r5")]
    [InlineData("name = 'o''brien'", "r5")]
    [InlineData("name = \"o'brien\"", "r5")]
    [InlineData("tags.team is null", "r4 r5")]
    [InlineData("tags.team is not null", "r1 r2 r3")]
    [InlineData("experiment = 'nlp'", "r3 r4")]
    [InlineData("attributes.experiment = 'nlp' and status = 'running'", "r4")]
    [InlineData("status in ('running', 'queued')", "r4 r5")]
    [InlineData("status != 'succeeded'", "r2 r4 r5")]
    [InlineData("STATUS = 'SUCCEEDED' AND Metrics.auc > 0", "r1 r3")]
    [InlineData("run_id = 'r1' or run_id == 'r2'", "r1 r2")]
    [InlineData("duration > 50", "r1 r3")]
    [InlineData("start_time >= '2023-11-15'", "r3 r4")]
    [InlineData("start_time < 1700000000001", "r1")]
    [InlineData("end_time is null", "r4 r5")]
    [InlineData("pipeline != 'train'", "")]
    [InlineData("not pipeline = 'train'", "r5")]
    [InlineData("pipeline is null", "r5")]
    [InlineData("kind = 'pipeline' and parent_run_id is null", "r1 r2 r3 r4 r5")]
    [InlineData("created_time > '2023-11-14T22:15:30Z'", "r3 r4 r5")]
    public async Task Filters_select_the_expected_runs(string? filter, string expected)
    {
        var ids = await Ids(filter);
        Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(), ids.Order());
    }

    [Theory]
    [InlineData("metrics.auc desc", "r1 r3 r2 r5 r4")]
    [InlineData("metrics.auc", "r5 r2 r3 r1 r4")]
    [InlineData("metrics.auc asc", "r5 r2 r3 r1 r4")]
    [InlineData("name", "r3 r4 r5 r1 r2")]
    [InlineData("experiment desc, name asc", "r5 r1 r2 r3 r4")]
    [InlineData("duration desc", "r1 r3 r2 r5 r4")]
    [InlineData("start_time", "r1 r2 r3 r4 r5")]
    public async Task Order_by_sorts_with_missing_values_last(string orderBy, string expected) =>
        Assert.Equal(expected.Split(' '), await Ids(null, orderBy));

    [Fact]
    public async Task Default_order_is_newest_first()
    {
        Assert.Equal(["r5", "r4", "r3", "r2", "r1"], await Ids(null));
    }

    [Fact]
    public async Task Results_carry_params_tags_and_latest_metrics()
    {
        var page = await fixture.Stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = "run_id = 'r1'" });
        var run = Assert.Single(page.Runs);
        Assert.Equal(0.95, run.Metrics["auc"]);
        Assert.Equal("resnet", run.Params["model"]);
        Assert.Equal("vision", run.Tags["team"]);
        Assert.Null(page.NextPageToken);
    }

    [Theory]
    [InlineData("statsu = 'failed'", 1, "did you mean 'status'?")]
    [InlineData("metric.auc > 1", 1, "did you mean 'metrics.auc'?")]
    [InlineData("metics.auc > 1", 1, "did you mean 'metrics.auc'?")]
    [InlineData("durration > 1", 1, "did you mean 'duration'?")]
    [InlineData("attributes.stauts = 'failed'", 12, "did you mean 'status'?")]
    [InlineData("metrics.auc >", 14, "expected a value")]
    [InlineData("metrics.auc > 'high'", 15, "is a number")]
    [InlineData("status = 'faild'", 10, "did you mean 'failed'?")]
    [InlineData("kind = 'stp'", 8, "did you mean 'step'?")]
    [InlineData("(metrics.auc > 1", 17, "expected ')'")]
    [InlineData("name = 'abc", 8, "unterminated string")]
    [InlineData("name = 'a' ; DROP TABLE runs", 12, "unexpected character ';'")]
    [InlineData("name like 5", 11, "expected a quoted pattern")]
    [InlineData("metrics.auc like 'x'", 13, "'like' matches text")]
    [InlineData("duration like '1'", 10, "'like' matches text")]
    [InlineData("status > 'failed'", 8, "can only be compared")]
    [InlineData("name = abc", 8, "quote it")]
    [InlineData("name = 5", 8, "is text")]
    [InlineData("metrics.auc > 1 metrics.loss < 2", 17, "expected 'and', 'or'")]
    [InlineData("not", 4, "expected a field")]
    [InlineData("params. = 1", 8, "expected a name after 'params.'")]
    [InlineData("tags.team in ()", 15, "expected a value")]
    [InlineData("tags.team in 'a'", 14, "expected '(' after 'in'")]
    [InlineData("tags.team in ('a', 1)", 20, "mixes numbers and strings")]
    [InlineData("tags.team in ('a' 'b')", 19, "expected ',' or ')'")]
    [InlineData("start_time > 'yesterday'", 14, "is not a time")]
    [InlineData("duration > 'long'", 12, "number of seconds")]
    [InlineData("foo.bar = 1", 1, "unknown field prefix 'foo'")]
    [InlineData("a ! b", 3, "'!' must be followed by '='")]
    [InlineData("metrics.auc > 1 and", 20, "expected a field")]
    [InlineData("metrics.auc > 1 or ()", 21, "empty parentheses")]
    [InlineData("metrics.auc 5", 13, "expected an operator")]
    [InlineData("tags.team not = 'a'", 15, "expected 'in' or 'like' after 'not'")]
    [InlineData("tags.team is 5", 14, "expected 'null'")]
    [InlineData("metrics.auc > 1.2.3", 15, "is not a number")]
    [InlineData("metrics.auc > 12abc", 15, "is not a number")]
    [InlineData("metrics.`auc > 1", 9, "unterminated quoted name")]
    [InlineData("and = 1", 1, "expected a field")]
    public void Bad_filters_fail_with_a_column_and_a_reason(string filter, int column, string expected)
    {
        var error = Assert.Throws<RunQueryException>(() => RunQueryParser.ParseFilter(filter));
        Assert.Equal(column, error.Column);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(filter, error.Text);
        Assert.EndsWith("^", error.Caret, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("metrics.auc descending", 13, "expected 'asc', 'desc'")]
    [InlineData("nam desc", 1, "did you mean 'name'?")]
    [InlineData("name; DROP TABLE runs", 5, "unexpected character ';'")]
    [InlineData("name,", 6, "expected a field")]
    public void Bad_order_by_fails_with_a_column(string orderBy, int column, string expected)
    {
        var error = Assert.Throws<RunQueryException>(() => RunQueryParser.ParseOrderBy(orderBy));
        Assert.Equal(column, error.Column);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_search_reports_query_errors_as_run_query_exceptions()
    {
        var error = await Assert.ThrowsAsync<RunQueryException>(() => fixture.Stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = "statsu = 'x'" }));
        Assert.Equal(1, error.Column);
    }

    [Theory]
    [InlineData("name = '''; DROP TABLE runs; --'")]
    [InlineData("name = 'x'' OR ''1''=''1'")]
    [InlineData("params.`lr'; DROP TABLE params; --` = 1")]
    [InlineData("tags.`x\") OR 1=1 --` = 'y'")]
    [InlineData("metrics.`auc) OR (1=1` > 0")]
    [InlineData("name like '%''; DELETE FROM runs; --'")]
    [InlineData("tags.team in ('a''); DROP TABLE tags; --')")]
    public async Task Injection_attempts_are_plain_values_and_harm_nothing(string filter)
    {
        Assert.Empty(await Ids(filter));
        Assert.Equal(5, (await Ids(null)).Count);
        Assert.NotNull((await fixture.Stores.Runs.GetRunDetailsAsync("r1"))!.Params["lr"]);
        Assert.Equal("vision", (await fixture.Stores.Runs.GetRunDetailsAsync("r1"))!.Tags["team"]);
    }

    [Theory]
    [InlineData("name like '%' or 1=1", 18)]
    [InlineData("metrics.auc > 0 union select 1", 17)]
    [InlineData("name = 'a'--", 11)]
    [InlineData("name = 'a' /* x */", 12)]
    public void Injection_attempts_outside_quotes_are_syntax_errors(string filter, int column)
    {
        var error = Assert.Throws<RunQueryException>(() => RunQueryParser.ParseFilter(filter));
        Assert.Equal(column, error.Column);
    }

    [Fact]
    public void Compiled_sql_never_contains_user_text()
    {
        var compiled = RunSearchCompiler.Compile(new RunSearchRequest
        {
            Filter = "params.`DROPME` = 'DROPVALUE' and name like 'DROPLIKE%' and metrics.`DROPMETRIC` > 1",
            OrderBy = "tags.`DROPTAG` desc",
        });
        Assert.DoesNotContain("DROP", compiled.Primary.Sql, StringComparison.Ordinal);
        var values = compiled.Primary.Parameters.Select(p => p.Value?.ToString()).ToList();
        Assert.Contains("DROPME", values);
        Assert.Contains("DROPVALUE", values);
        Assert.Contains("DROPLIKE%", values);
        Assert.Contains("DROPMETRIC", values);
        Assert.Contains("DROPTAG", values);
    }
}
