using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text.Json;

namespace MLOps.Plan;

/// <summary>Reads what <see cref="PlanJson"/> writes. Other schema versions and malformed plans are refused with a message naming the place.</summary>
public static class PlanJsonReader
{
    public static ExecutionPlan Read(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new PlanFormatException($"the plan is not valid JSON: {e.Message}");
        }

        using (doc)
        {
            var root = doc.RootElement;
            var schema = Str(root, "schema", "$");
            if (schema != ExecutionPlan.SchemaId)
            {
                throw new PlanFormatException($"this runtime reads '{ExecutionPlan.SchemaId}' plans, but the plan says '{schema}': rebuild it with this mlpc");
            }

            var source = Obj(root, "source", "$");
            return new ExecutionPlan
            {
                Kind = Str(root, "kind", "$"),
                Source = new PlanSource(Str(source, "file", "$.source"), Str(source, "digest", "$.source")),
                Pipeline = Str(root, "pipeline", "$"),
                Params = Array(root, "params", "$", (e, at) => new PlanParam(Str(e, "name", at), Type(Prop(e, "type", at), at + ".type"), Value(Prop(e, "value", at)))),
                Targets = Array(root, "targets", "$", (e, at) => new PlanTarget(Str(e, "name", at), Str(e, "kind", at), [.. Obj(e, "properties", at).EnumerateObject().Select(p => new KeyValuePair<string, PlanValue>(p.Name, Value(p.Value)))])),
                FanOuts = Array(root, "fan_outs", "$", (e, at) => new PlanFanOut(Str(e, "id", at), Str(e, "variable", at), Expr(Prop(e, "items", at), at + ".items"), OptStr(e, "parent"))),
                Nodes = Array(root, "nodes", "$", Node),
                Outputs = Array(root, "outputs", "$", (e, at) => new PlanOutputBinding(Str(e, "name", at), Type(Prop(e, "type", at), at), Expr(Prop(e, "value", at), at + ".value"))),
                Registrations = Array(root, "registrations", "$", Registration),
                Policies = Array(root, "policies", "$", Policy),
                Sweep = root.TryGetProperty("sweep", out var sweep) ? Sweep(sweep, "$.sweep") : null,
            };
        }
    }

    private static PlanNode Node(JsonElement e, string at)
    {
        var resources = Obj(e, "resources", at);
        var retry = Obj(e, "retry", at);
        var cache = Obj(e, "cache", at);
        return new PlanNode
        {
            Id = Str(e, "id", at),
            Step = Str(e, "step", at),
            Command = Str(e, "command", at),
            Image = OptStr(e, "image"),
            Env = [.. Obj(e, "env", at).EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? ""))],
            Resources = new PlanResources(Num(resources, "cpu", at), (long)Num(resources, "memory_bytes", at), (int)Num(resources, "gpu", at), OptStr(resources, "gpu_type")),
            Retry = new PlanRetry((int)Num(retry, "attempts", at), Num(retry, "backoff_seconds", at), Num(retry, "factor", at)),
            TimeoutSeconds = e.TryGetProperty("timeout_seconds", out var t) ? t.GetDouble() : null,
            Target = Str(e, "target", at),
            Inputs = Array(e, "inputs", at, (i, iat) => new PlanInput(Str(i, "name", iat), Type(Prop(i, "type", iat), iat), Expr(Prop(i, "value", iat), iat + ".value"))),
            Outputs = Array(e, "outputs", at, (o, oat) => new PlanOutput(Str(o, "name", oat), Type(Prop(o, "type", oat), oat))),
            DependsOn = Strings(e, "depends_on", at),
            Condition = e.TryGetProperty("condition", out var c) ? Expr(c, at + ".condition") : null,
            FanOut = OptStr(e, "fan_out"),
            Cache = new PlanCacheKey(Prop(cache, "enabled", at).GetBoolean(), Str(cache, "definition_digest", at), Strings(cache, "components", at), Strings(cache, "inputs", at)),
        };
    }

    private static PlanRegistration Registration(JsonElement e, string at) => new()
    {
        Id = Str(e, "id", at),
        Model = Str(e, "model", at),
        Artifact = Expr(Prop(e, "artifact", at), at + ".artifact"),
        Metrics = e.TryGetProperty("metrics", out var m) ? Expr(m, at + ".metrics") : null,
        MetricsType = e.TryGetProperty("metrics_type", out var mt) ? Type(mt, at + ".metrics_type") : null,
        Tags = e.TryGetProperty("tags", out var t) ? Expr(t, at + ".tags") : null,
        DependsOn = Strings(e, "depends_on", at),
        Condition = e.TryGetProperty("condition", out var c) ? Expr(c, at + ".condition") : null,
        FanOut = OptStr(e, "fan_out"),
    };

    /// <summary>Reads one policy as <see cref="PlanJson.WritePolicy"/> writes it.</summary>
    public static PlanPolicy ReadPolicy(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Policy(doc.RootElement, "$");
        }
        catch (JsonException e)
        {
            throw new PlanFormatException($"the policy is not valid JSON: {e.Message}");
        }
    }

    private static PlanPolicy Policy(JsonElement e, string at) => new()
    {
        Name = Str(e, "name", at),
        Model = Str(e, "model", at),
        ReadsAliases = Strings(e, "reads_aliases", at),
        Rules = Array(e, "rules", at, (r, rat) => new PlanRule(Str(r, "kind", rat), Str(r, "text", rat), r.TryGetProperty("condition", out var c) ? Expr(c, rat) : null, OptStr(r, "message"), OptStr(r, "group"))),
        OnPass = Array(e, "on_pass", at, Action),
        OnFail = Array(e, "on_fail", at, Action),
    };

    private static PlanAction Action(JsonElement e, string at) => new(
        Str(e, "kind", at),
        OptStr(e, "alias"),
        e.TryGetProperty("tags", out var tags) ? [.. tags.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString() ?? ""))] : [],
        OptStr(e, "url"),
        OptStr(e, "secret_env"));

    private static PlanSweep Sweep(JsonElement e, string at)
    {
        var objective = Obj(e, "objective", at);
        var budget = Obj(e, "budget", at);
        return new PlanSweep
        {
            Name = Str(e, "name", at),
            Space = Array(e, "space", at, (d, dat) => new PlanDimension(
                Str(d, "param", dat),
                Type(Prop(d, "type", dat), dat),
                Str(d, "distribution", dat),
                OptNum(d, "low"),
                OptNum(d, "high"),
                OptNum(d, "step"),
                Prop(d, "log", dat).GetBoolean(),
                d.TryGetProperty("choices", out var ch) ? [.. ch.EnumerateArray().Select(Value)] : [])),
            Objective = new PlanObjective(Str(objective, "direction", at), Str(objective, "output", at), Strings(objective, "path", at)),
            Sampler = Algorithm(Obj(e, "sampler", at), at + ".sampler"),
            Pruner = e.TryGetProperty("pruner", out var p) ? Algorithm(p, at + ".pruner") : null,
            Budget = new PlanBudget((int)Num(budget, "trials", at), (int)Num(budget, "parallel", at), OptNum(budget, "timeout_seconds"), budget.TryGetProperty("max_failed", out var mf) ? mf.GetInt32() : null),
            Seed = e.TryGetProperty("seed", out var seed) ? seed.GetInt32() : null,
        };
    }

    private static PlanAlgorithm Algorithm(JsonElement e, string at) =>
        new(Str(e, "name", at), [.. Obj(e, "options", at).EnumerateObject().Select(p => new KeyValuePair<string, PlanValue>(p.Name, Value(p.Value)))]);

    public static PlanType Type(JsonElement e, string at)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            return new ScalarPlanType(e.GetString()!);
        }

        if (e.TryGetProperty("artifact", out var a))
        {
            return new ArtifactPlanType(a.GetString()!);
        }

        if (e.TryGetProperty("list", out var l))
        {
            return new ListPlanType(Type(l, at + ".list"));
        }

        if (e.TryGetProperty("map", out var m))
        {
            return new MapPlanType(Type(m, at + ".map"));
        }

        if (e.TryGetProperty("optional", out var o))
        {
            return new OptionalPlanType(Type(o, at + ".optional"));
        }

        if (e.TryGetProperty("enum", out var en))
        {
            return new EnumPlanType(en.GetString()!, Strings(e, "members", at));
        }

        if (e.TryGetProperty("record", out var r))
        {
            return new RecordPlanType(r.GetString()!, Array(e, "fields", at, (f, fat) => new PlanField(Str(f, "name", fat), Type(Prop(f, "type", fat), fat))));
        }

        throw new PlanFormatException($"{at}: unknown type {e.GetRawText()}");
    }

    public static PlanValue Value(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null => PlanValue.Null,
        JsonValueKind.True => PlanValue.Of(true),
        JsonValueKind.False => PlanValue.Of(false),
        JsonValueKind.String => PlanValue.Of(e.GetString()!),
        // The writer marks floats with a point or exponent, so the text tells ints from floats.
        JsonValueKind.Number => e.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0 && e.TryGetInt64(out var l) ? PlanValue.Of(l) : PlanValue.Of(e.GetDouble()),
        JsonValueKind.Array => new ListValue([.. e.EnumerateArray().Select(Value)]),
        JsonValueKind.Object when e.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.String && e.EnumerateObject().Count() == 1 => new EnvValue(env.GetString()!),
        JsonValueKind.Object => new MapValue([.. e.EnumerateObject().Select(p => new KeyValuePair<string, PlanValue>(p.Name, Value(p.Value)))]),
        _ => PlanValue.Null,
    };

    public static PlanExpr Expr(JsonElement e, string at)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new PlanFormatException($"{at}: expected an expression object");
        }

        if (e.TryGetProperty("const", out var c))
        {
            return new ConstExpr(Value(c));
        }

        if (e.TryGetProperty("output", out var o))
        {
            return new OutputRefExpr(Str(o, "node", at), Str(o, "name", at), o.TryGetProperty("path", out _) ? Strings(o, "path", at) : []);
        }

        if (e.TryGetProperty("item", out var i))
        {
            return new FanOutItemExpr(Str(i, "fan_out", at), i.TryGetProperty("path", out _) ? Strings(i, "path", at) : []);
        }

        if (e.TryGetProperty("gather", out var g))
        {
            return new GatherExpr(Str(g, "fan_out", at), Expr(Prop(g, "value", at), at + ".gather"));
        }

        if (e.TryGetProperty("param", out var p))
        {
            return new ParamRefExpr(p.GetString()!);
        }

        if (e.TryGetProperty("env", out var env))
        {
            return new EnvExpr(env.GetString()!);
        }

        if (e.TryGetProperty("model", out var m))
        {
            return new ModelRefExpr(Str(m, "ref", at), Strings(m, "path", at));
        }

        if (e.TryGetProperty("op", out var op))
        {
            return new OpExpr(op.GetString()!, [.. Prop(e, "args", at).EnumerateArray().Select((a, n) => Expr(a, $"{at}.args[{n}]"))]);
        }

        if (e.TryGetProperty("list", out var l))
        {
            return new ListExpr([.. l.EnumerateArray().Select((a, n) => Expr(a, $"{at}.list[{n}]"))]);
        }

        if (e.TryGetProperty("record", out var r))
        {
            return new RecordExpr([.. r.EnumerateObject().Select(f => new RecordExprField(f.Name, Expr(f.Value, at + "." + f.Name)))]);
        }

        if (e.TryGetProperty("concat", out var cc))
        {
            return new ConcatExpr([.. cc.EnumerateArray().Select((a, n) => Expr(a, $"{at}.concat[{n}]"))]);
        }

        throw new PlanFormatException($"{at}: unknown expression {e.GetRawText()}");
    }

    private static JsonElement Prop(JsonElement e, string name, string at) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : throw new PlanFormatException($"{at}: missing '{name}'");

    private static JsonElement Obj(JsonElement e, string name, string at)
    {
        var v = Prop(e, name, at);
        return v.ValueKind == JsonValueKind.Object ? v : throw new PlanFormatException($"{at}.{name}: expected an object");
    }

    private static string Str(JsonElement e, string name, string at)
    {
        var v = Prop(e, name, at);
        return v.ValueKind == JsonValueKind.String ? v.GetString()! : throw new PlanFormatException($"{at}.{name}: expected a string");
    }

    private static string? OptStr(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double Num(JsonElement e, string name, string at)
    {
        var v = Prop(e, name, at);
        return v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new PlanFormatException($"{at}.{name}: expected a number");
    }

    private static double? OptNum(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static ImmutableArray<string> Strings(JsonElement e, string name, string at) =>
        [.. Prop(e, name, at).EnumerateArray().Select(x => x.GetString() ?? "")];

    private static ImmutableArray<T> Array<T>(JsonElement e, string name, string at, Func<JsonElement, string, T> read)
    {
        var v = Prop(e, name, at);
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new PlanFormatException($"{at}.{name}: expected an array");
        }

        return [.. v.EnumerateArray().Select((x, i) => read(x, $"{at}.{name}[{i}]"))];
    }
}

/// <summary>A plan file that cannot be read; the message says where and what.</summary>
public sealed class PlanFormatException(string message) : Exception(message);
