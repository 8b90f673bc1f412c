using System.CommandLine;
using System.Text.Json;
using MLOps.Tracking;
using MLOps.Tracking.Runs;
using MLOps.Tracking.Search;
using static MLOps.Cli.Commands.TrackingCommandContext;

namespace MLOps.Cli.Commands;

/// <summary><c>mlpc runs list|show|search|compare</c>: reads the tracking store; logic lives in MLOps.Tracking.</summary>
public static class RunsCommands
{
    public static Command Create(TrackingCommandContext ctx)
    {
        var runs = new Command("runs", "List, show, search and compare tracked runs");
        runs.Options.Add(ctx.StoreOption);
        runs.Subcommands.Add(List(ctx));
        runs.Subcommands.Add(Show(ctx));
        runs.Subcommands.Add(Search(ctx));
        runs.Subcommands.Add(Compare(ctx));
        return runs;
    }

    private static Option<int> LimitOption() => new("--limit", "-n") { Description = "Rows per page (1-10000)", DefaultValueFactory = _ => 50 };

    private static Command List(TrackingCommandContext ctx)
    {
        var experiment = new Option<string?>("--experiment", "-e") { Description = "Only runs of this experiment" };
        var steps = new Option<bool>("--steps") { Description = "Include step runs, not only top-level runs" };
        var limit = LimitOption();
        var command = new Command("list", "List recent runs, newest first") { experiment, steps, limit };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var filters = new List<string>();
            if (!result.GetValue(steps))
            {
                filters.Add("parent_run_id is null");
            }

            if (result.GetValue(experiment) is { } name)
            {
                filters.Add("experiment = " + QueryString(name));
            }

            var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest { Filter = string.Join(" and ", filters), Limit = result.GetValue(limit) });
            WriteRuns(ctx, page);
            return ExitOk;
        }));
        return command;
    }

    private static Command Search(TrackingCommandContext ctx)
    {
        var query = new Argument<string>("query") { Description = "Filter, e.g. \"metrics.auc > 0.9 and (params.lr in (0.1, 0.01) or tags.team = 'cv')\" (see docs/search.md)" };
        var orderBy = new Option<string?>("--order-by", "-o") { Description = "e.g. \"metrics.auc desc, start_time\"" };
        var limit = LimitOption();
        var pageToken = new Option<string?>("--page-token") { Description = "Continue from the token a previous page printed" };
        var command = new Command("search", "Search runs with the run query language") { query, orderBy, limit, pageToken };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var page = await stores.Runs.SearchRunsAsync(new RunSearchRequest
            {
                Filter = result.GetValue(query),
                OrderBy = result.GetValue(orderBy),
                Limit = result.GetValue(limit),
                PageToken = result.GetValue(pageToken),
            });
            WriteRuns(ctx, page);
            return ExitOk;
        }));
        return command;
    }

    private static void WriteRuns(TrackingCommandContext ctx, RunPage page)
    {
        ctx.WriteTable(
            ["run_id", "name", "kind", "status", "experiment", "start", "duration", "metrics"],
            page.Runs.Select(d => (IReadOnlyList<string>)
            [
                d.Run.RunId, d.Run.Name, d.Run.Kind.ToString().ToLowerInvariant(), d.Run.Status.ToWord(), d.Run.Experiment,
                Time(d.Run.StartTime), Seconds(d.Run.Duration),
                string.Join(" ", d.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Take(6).Select(m => $"{m.Key}={Number(m.Value)}")),
            ]));
        if (page.NextPageToken is not null)
        {
            ctx.Out.WriteLine($"more: --page-token {page.NextPageToken}");
        }
    }

    private static Command Show(TrackingCommandContext ctx)
    {
        var runId = new Argument<string>("run-id");
        var command = new Command("show", "Show one run: attributes, params, metrics, tags, steps, status history, attempts, artifacts") { runId };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var id = result.GetValue(runId)!;
            var details = await stores.Runs.GetRunDetailsAsync(id) ?? throw new TrackingNotFoundException($"no run '{id}' in {stores.Uri}");
            var run = details.Run;
            ctx.WriteTable(["field", "value"],
            [
                ["run_id", run.RunId], ["name", run.Name], ["kind", run.Kind.ToString().ToLowerInvariant()], ["status", run.Status.ToWord()],
                ["experiment", run.Experiment], ["pipeline", run.Pipeline ?? "-"], ["parent", run.ParentRunId ?? "-"], ["node", run.NodeInstanceId ?? "-"],
                ["created", Time(run.CreatedAt)], ["start", Time(run.StartTime)], ["end", Time(run.EndTime)], ["duration", Seconds(run.Duration)],
                ["source", $"{run.SourceFile ?? "-"} {run.SourceDigest ?? ""}".Trim()], ["git_commit", run.GitCommit ?? "-"],
                ["cache_key", run.CacheKey ?? "-"], ["cached_from", run.CachedFromRunId ?? "-"],
            ], "run");
            ctx.WriteTable(["kind", "name", "value"],
                details.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (IReadOnlyList<string>)["param", p.Key, p.Value])
                    .Concat(details.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (IReadOnlyList<string>)["metric", m.Key, Number(m.Value)]))
                    .Concat(details.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => (IReadOnlyList<string>)["tag", t.Key, t.Value])),
                "params, metrics (latest), tags");
            var children = await stores.Runs.GetChildRunsAsync(id);
            if (children.Count > 0)
            {
                ctx.WriteTable(["run_id", "node", "status", "duration", "cache"],
                    children.Select(c => (IReadOnlyList<string>)[c.RunId, c.NodeInstanceId ?? c.Name, c.Status.ToWord(), Seconds(c.Duration), c.CachedFromRunId is null ? "" : "from " + c.CachedFromRunId]),
                    "steps");
            }

            ctx.WriteTable(["#", "from", "to", "at", "message"],
                (await stores.Runs.GetStatusHistoryAsync(id)).Select(h => (IReadOnlyList<string>)[h.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), h.From?.ToWord() ?? "-", h.To.ToWord(), Time(h.At), h.Message ?? ""]),
                "status history");
            var attempts = await stores.Runs.GetAttemptsAsync(id);
            if (attempts.Count > 0)
            {
                ctx.WriteTable(["attempt", "executor", "handle", "state", "exit", "started", "ended"],
                    attempts.Select(a => (IReadOnlyList<string>)[a.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Executor, a.HandleId, a.State ?? "open", a.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Time(a.StartedAt), Time(a.EndedAt)]),
                    "attempts");
            }

            var artifacts = await stores.Runs.GetArtifactsAsync(id);
            if (artifacts.Count > 0)
            {
                ctx.WriteTable(["direction", "name", "digest", "size", "uri"],
                    artifacts.Select(a => (IReadOnlyList<string>)[a.Direction.ToString().ToLowerInvariant(), a.Name, a.Digest, a.Size.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Uri]),
                    "artifacts");
            }

            return ExitOk;
        }));
        return command;
    }

    private static Command Compare(TrackingCommandContext ctx)
    {
        var ids = new Argument<string[]>("run-ids") { Description = "Two or more run ids", Arity = new ArgumentArity(2, 20) };
        var differing = new Option<bool>("--diff") { Description = "Only rows whose values differ" };
        var command = new Command("compare", "Compare params, latest metrics, tags and cache-key components of runs side by side") { ids, differing };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var details = new List<RunDetails>();
            foreach (var id in result.GetValue(ids)!)
            {
                details.Add(await stores.Runs.GetRunDetailsAsync(id) ?? throw new TrackingNotFoundException($"no run '{id}' in {stores.Uri}"));
            }

            var rows = RunComparison.Rows(details);
            if (result.GetValue(differing))
            {
                rows = rows.Where(r => r.Skip(1).Distinct().Count() > 1).ToList();
            }

            ctx.WriteTable(["field", .. details.Select(d => d.Run.RunId)], rows);
            return ExitOk;
        }));
        return command;
    }

    /// <summary>The rows of a comparison: status, duration, params, metrics, tags and cache-key components.</summary>
    private static class RunComparison
    {
        public static List<IReadOnlyList<string>> Rows(IReadOnlyList<RunDetails> runs)
        {
            var rows = new List<IReadOnlyList<string>>
            {
                Row("status", runs, d => d.Run.Status.ToWord()),
                Row("duration", runs, d => Seconds(d.Run.Duration)),
                Row("cache_key", runs, d => d.Run.CacheKey ?? "-"),
            };
            var components = runs.Select(d => CacheComponents(d.Run.CacheKeyComponentsJson)).ToList();
            rows.AddRange(Keys(components.Select(c => c.Keys)).Select(k => (IReadOnlyList<string>)["cache." + k, .. components.Select(c => c.GetValueOrDefault(k, "-"))]));
            rows.AddRange(Keys(runs.Select(d => d.Params.Keys)).Select(k => Row("params." + k, runs, d => d.Params.GetValueOrDefault(k, "-"))));
            rows.AddRange(Keys(runs.Select(d => d.Metrics.Keys)).Select(k => Row("metrics." + k, runs, d => d.Metrics.TryGetValue(k, out var v) ? Number(v) : "-")));
            rows.AddRange(Keys(runs.Select(d => d.Tags.Keys)).Select(k => Row("tags." + k, runs, d => d.Tags.GetValueOrDefault(k, "-"))));
            return rows;
        }

        private static IReadOnlyList<string> Row(string field, IReadOnlyList<RunDetails> runs, Func<RunDetails, string> value) => [field, .. runs.Select(value)];

        private static IEnumerable<string> Keys(IEnumerable<IEnumerable<string>> keys) => keys.SelectMany(k => k).Distinct().Order(StringComparer.Ordinal);

        private static Dictionary<string, string> CacheComponents(string? json)
        {
            var components = new Dictionary<string, string>(StringComparer.Ordinal);
            if (json is null)
            {
                return components;
            }

            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                components[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
            }

            return components;
        }
    }
}
