using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MLOps.Plan;

/// <summary>
/// The JSON form of a plan. Writing is deterministic: fixed property order, invariant number
/// formatting, LF line ends, no timestamps; the same plan gives the same bytes anywhere.
/// </summary>
public static class PlanJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(ExecutionPlan plan)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, WriterOptions))
        {
            WritePlan(w, plan);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Writes any plan value as compact JSON (used for cache keys and tracking).</summary>
    public static string WriteValue(PlanValue value)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteValue(w, value);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string WriteExpr(PlanExpr expr)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteExpr(w, expr);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>One policy as a compact JSON object, the same shape as an entry of a plan's <c>policies</c> (the registry stores it).</summary>
    public static string WritePolicy(PlanPolicy policy)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            WritePolicy(w, policy);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static string WriteType(PlanType type)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteType(w, type);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WritePlan(Utf8JsonWriter w, ExecutionPlan p)
    {
        w.WriteStartObject();
        w.WriteString("schema", p.Schema);
        w.WriteString("kind", p.Kind);
        w.WriteStartObject("source");
        w.WriteString("file", p.Source.File);
        w.WriteString("digest", p.Source.Digest);
        w.WriteEndObject();
        w.WriteString("pipeline", p.Pipeline);
        WriteArray(w, "params", p.Params, (w, x) =>
        {
            w.WriteString("name", x.Name);
            w.WritePropertyName("type");
            WriteType(w, x.Type);
            w.WritePropertyName("value");
            WriteValue(w, x.Value);
        });
        WriteArray(w, "targets", p.Targets, (w, x) =>
        {
            w.WriteString("name", x.Name);
            w.WriteString("kind", x.Kind);
            WriteValueMap(w, "properties", x.Properties);
        });
        WriteArray(w, "fan_outs", p.FanOuts, (w, x) =>
        {
            w.WriteString("id", x.Id);
            w.WriteString("variable", x.Variable);
            w.WritePropertyName("items");
            WriteExpr(w, x.Items);
            WriteOptionalString(w, "parent", x.Parent);
        });
        WriteArray(w, "nodes", p.Nodes, WriteNode);
        WriteArray(w, "outputs", p.Outputs, (w, x) =>
        {
            w.WriteString("name", x.Name);
            w.WritePropertyName("type");
            WriteType(w, x.Type);
            w.WritePropertyName("value");
            WriteExpr(w, x.Value);
        });
        WriteArray(w, "registrations", p.Registrations, WriteRegistration);
        WriteArray(w, "policies", p.Policies, WritePolicy);
        if (p.Sweep is { } s)
        {
            w.WritePropertyName("sweep");
            WriteSweep(w, s);
        }

        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, PlanNode n)
    {
        w.WriteString("id", n.Id);
        w.WriteString("step", n.Step);
        w.WriteString("command", n.Command);
        WriteOptionalString(w, "image", n.Image);
        WriteStringMap(w, "env", n.Env);
        w.WriteStartObject("resources");
        w.WriteNumber("cpu", n.Resources.Cpu);
        w.WriteNumber("memory_bytes", n.Resources.MemoryBytes);
        w.WriteNumber("gpu", n.Resources.Gpu);
        WriteOptionalString(w, "gpu_type", n.Resources.GpuType);
        w.WriteEndObject();
        w.WriteStartObject("retry");
        w.WriteNumber("attempts", n.Retry.Attempts);
        w.WriteNumber("backoff_seconds", n.Retry.BackoffSeconds);
        w.WriteNumber("factor", n.Retry.Factor);
        w.WriteEndObject();
        if (n.TimeoutSeconds is { } t)
        {
            w.WriteNumber("timeout_seconds", t);
        }

        w.WriteString("target", n.Target);
        WriteArray(w, "inputs", n.Inputs, (w, x) =>
        {
            w.WriteString("name", x.Name);
            w.WritePropertyName("type");
            WriteType(w, x.Type);
            w.WritePropertyName("value");
            WriteExpr(w, x.Value);
        });
        WriteArray(w, "outputs", n.Outputs, (w, x) =>
        {
            w.WriteString("name", x.Name);
            w.WritePropertyName("type");
            WriteType(w, x.Type);
        });
        WriteStrings(w, "depends_on", n.DependsOn);
        if (n.Condition is { } c)
        {
            w.WritePropertyName("condition");
            WriteExpr(w, c);
        }

        WriteOptionalString(w, "fan_out", n.FanOut);
        w.WriteStartObject("cache");
        w.WriteBoolean("enabled", n.Cache.Enabled);
        w.WriteString("definition_digest", n.Cache.DefinitionDigest);
        WriteStrings(w, "components", n.Cache.Components);
        WriteStrings(w, "inputs", n.Cache.Inputs);
        w.WriteEndObject();
    }

    private static void WriteRegistration(Utf8JsonWriter w, PlanRegistration r)
    {
        w.WriteString("id", r.Id);
        w.WriteString("model", r.Model);
        w.WritePropertyName("artifact");
        WriteExpr(w, r.Artifact);
        if (r.Metrics is { } m)
        {
            w.WritePropertyName("metrics");
            WriteExpr(w, m);
        }

        if (r.MetricsType is { } mt)
        {
            w.WritePropertyName("metrics_type");
            WriteType(w, mt);
        }

        if (r.Tags is { } t)
        {
            w.WritePropertyName("tags");
            WriteExpr(w, t);
        }

        WriteStrings(w, "depends_on", r.DependsOn);
        if (r.Condition is { } c)
        {
            w.WritePropertyName("condition");
            WriteExpr(w, c);
        }

        WriteOptionalString(w, "fan_out", r.FanOut);
    }

    private static void WritePolicy(Utf8JsonWriter w, PlanPolicy p)
    {
        w.WriteString("name", p.Name);
        w.WriteString("model", p.Model);
        WriteStrings(w, "reads_aliases", p.ReadsAliases);
        WriteArray(w, "rules", p.Rules, (w, r) =>
        {
            w.WriteString("kind", r.Kind);
            w.WriteString("text", r.Text);
            if (r.Condition is { } c)
            {
                w.WritePropertyName("condition");
                WriteExpr(w, c);
            }

            WriteOptionalString(w, "message", r.Message);
            WriteOptionalString(w, "group", r.Group);
        });
        WriteArray(w, "on_pass", p.OnPass, WriteAction);
        WriteArray(w, "on_fail", p.OnFail, WriteAction);
    }

    private static void WriteAction(Utf8JsonWriter w, PlanAction a)
    {
        w.WriteString("kind", a.Kind);
        WriteOptionalString(w, "alias", a.Alias);
        if (!a.Tags.IsDefaultOrEmpty)
        {
            WriteStringMap(w, "tags", a.Tags);
        }

        WriteOptionalString(w, "url", a.Url);
        WriteOptionalString(w, "secret_env", a.SecretEnv);
    }

    private static void WriteSweep(Utf8JsonWriter w, PlanSweep s)
    {
        w.WriteStartObject();
        w.WriteString("name", s.Name);
        WriteArray(w, "space", s.Space, (w, d) =>
        {
            w.WriteString("param", d.Param);
            w.WritePropertyName("type");
            WriteType(w, d.Type);
            w.WriteString("distribution", d.Distribution);
            WriteOptionalNumber(w, "low", d.Low);
            WriteOptionalNumber(w, "high", d.High);
            WriteOptionalNumber(w, "step", d.Step);
            w.WriteBoolean("log", d.Log);
            if (!d.Choices.IsDefaultOrEmpty)
            {
                w.WriteStartArray("choices");
                foreach (var c in d.Choices)
                {
                    WriteValue(w, c);
                }

                w.WriteEndArray();
            }
        });
        w.WriteStartObject("objective");
        w.WriteString("direction", s.Objective.Direction);
        w.WriteString("output", s.Objective.Output);
        WriteStrings(w, "path", s.Objective.Path);
        w.WriteEndObject();
        w.WritePropertyName("sampler");
        WriteAlgorithm(w, s.Sampler);
        if (s.Pruner is { } pr)
        {
            w.WritePropertyName("pruner");
            WriteAlgorithm(w, pr);
        }

        w.WriteStartObject("budget");
        w.WriteNumber("trials", s.Budget.Trials);
        w.WriteNumber("parallel", s.Budget.Parallel);
        WriteOptionalNumber(w, "timeout_seconds", s.Budget.TimeoutSeconds);
        if (s.Budget.MaxFailed is { } mf)
        {
            w.WriteNumber("max_failed", mf);
        }

        w.WriteEndObject();
        if (s.Seed is { } seed)
        {
            w.WriteNumber("seed", seed);
        }

        w.WriteEndObject();
    }

    private static void WriteAlgorithm(Utf8JsonWriter w, PlanAlgorithm a)
    {
        w.WriteStartObject();
        w.WriteString("name", a.Name);
        WriteValueMap(w, "options", a.Options);
        w.WriteEndObject();
    }

    internal static void WriteType(Utf8JsonWriter w, PlanType t)
    {
        switch (t)
        {
            case ScalarPlanType s:
                w.WriteStringValue(s.Name);
                break;
            case ArtifactPlanType a:
                w.WriteStartObject();
                w.WriteString("artifact", a.Name);
                w.WriteEndObject();
                break;
            case ListPlanType l:
                w.WriteStartObject();
                w.WritePropertyName("list");
                WriteType(w, l.Element);
                w.WriteEndObject();
                break;
            case MapPlanType m:
                w.WriteStartObject();
                w.WritePropertyName("map");
                WriteType(w, m.Value);
                w.WriteEndObject();
                break;
            case OptionalPlanType o:
                w.WriteStartObject();
                w.WritePropertyName("optional");
                WriteType(w, o.Inner);
                w.WriteEndObject();
                break;
            case EnumPlanType e:
                w.WriteStartObject();
                w.WriteString("enum", e.Name);
                WriteStrings(w, "members", e.Members);
                w.WriteEndObject();
                break;
            case RecordPlanType r:
                w.WriteStartObject();
                w.WriteString("record", r.Name);
                WriteArray(w, "fields", r.Fields, (w, f) =>
                {
                    w.WriteString("name", f.Name);
                    w.WritePropertyName("type");
                    WriteType(w, f.Type);
                });
                w.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException("unknown plan type " + t.GetType().Name);
        }
    }

    internal static void WriteValue(Utf8JsonWriter w, PlanValue v)
    {
        switch (v)
        {
            case NullValue:
                w.WriteNullValue();
                break;
            case BoolValue b:
                w.WriteBooleanValue(b.Value);
                break;
            case IntValue i:
                w.WriteNumberValue(i.Value);
                break;
            case FloatValue f:
                // Raw so that 1.0 stays 1.0 (a float) and is not read back as an int.
                w.WriteRawValue(PlanNumbers.Format(f.Value));
                break;
            case StringValue s:
                w.WriteStringValue(s.Value);
                break;
            case EnvValue e:
                w.WriteStartObject();
                w.WriteString("env", e.Name);
                w.WriteEndObject();
                break;
            case ListValue l:
                w.WriteStartArray();
                foreach (var item in l.Items)
                {
                    WriteValue(w, item);
                }

                w.WriteEndArray();
                break;
            case MapValue m:
                w.WriteStartObject();
                foreach (var e in m.Entries)
                {
                    w.WritePropertyName(e.Key);
                    WriteValue(w, e.Value);
                }

                w.WriteEndObject();
                break;
            default:
                throw new InvalidOperationException("unknown plan value " + v.GetType().Name);
        }
    }

    internal static void WriteExpr(Utf8JsonWriter w, PlanExpr e)
    {
        w.WriteStartObject();
        switch (e)
        {
            case ConstExpr c:
                w.WritePropertyName("const");
                WriteValue(w, c.Value);
                break;
            case OutputRefExpr o:
                w.WriteStartObject("output");
                w.WriteString("node", o.Node);
                w.WriteString("name", o.Output);
                if (!o.Path.IsDefaultOrEmpty)
                {
                    WriteStrings(w, "path", o.Path);
                }

                w.WriteEndObject();
                break;
            case FanOutItemExpr f:
                w.WriteStartObject("item");
                w.WriteString("fan_out", f.FanOut);
                if (!f.Path.IsDefaultOrEmpty)
                {
                    WriteStrings(w, "path", f.Path);
                }

                w.WriteEndObject();
                break;
            case ModelRefExpr m:
                w.WriteStartObject("model");
                w.WriteString("ref", m.Model);
                WriteStrings(w, "path", m.Path);
                w.WriteEndObject();
                break;
            case OpExpr op:
                w.WriteString("op", op.Op);
                w.WriteStartArray("args");
                foreach (var a in op.Args)
                {
                    WriteExpr(w, a);
                }

                w.WriteEndArray();
                break;
            case ListExpr l:
                w.WriteStartArray("list");
                foreach (var a in l.Items)
                {
                    WriteExpr(w, a);
                }

                w.WriteEndArray();
                break;
            case RecordExpr r:
                w.WriteStartObject("record");
                foreach (var f in r.Fields)
                {
                    w.WritePropertyName(f.Name);
                    WriteExpr(w, f.Value);
                }

                w.WriteEndObject();
                break;
            case EnvExpr env:
                w.WriteString("env", env.Name);
                break;
            case ParamRefExpr pr:
                w.WriteString("param", pr.Name);
                break;
            case GatherExpr g:
                w.WriteStartObject("gather");
                w.WriteString("fan_out", g.FanOut);
                w.WritePropertyName("value");
                WriteExpr(w, g.Value);
                w.WriteEndObject();
                break;
            case ConcatExpr c:
                w.WriteStartArray("concat");
                foreach (var a in c.Parts)
                {
                    WriteExpr(w, a);
                }

                w.WriteEndArray();
                break;
            default:
                throw new InvalidOperationException("unknown plan expression " + e.GetType().Name);
        }

        w.WriteEndObject();
    }

    private static void WriteArray<T>(Utf8JsonWriter w, string name, ImmutableArray<T> items, Action<Utf8JsonWriter, T> writeBody)
    {
        w.WriteStartArray(name);
        foreach (var item in items.IsDefault ? [] : items)
        {
            w.WriteStartObject();
            writeBody(w, item);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, ImmutableArray<string> items)
    {
        w.WriteStartArray(name);
        foreach (var item in items.IsDefault ? [] : items)
        {
            w.WriteStringValue(item);
        }

        w.WriteEndArray();
    }

    private static void WriteStringMap(Utf8JsonWriter w, string name, ImmutableArray<KeyValuePair<string, string>> entries)
    {
        w.WriteStartObject(name);
        foreach (var e in entries.IsDefault ? [] : entries)
        {
            w.WriteString(e.Key, e.Value);
        }

        w.WriteEndObject();
    }

    private static void WriteValueMap(Utf8JsonWriter w, string name, ImmutableArray<KeyValuePair<string, PlanValue>> entries)
    {
        w.WriteStartObject(name);
        foreach (var e in entries.IsDefault ? [] : entries)
        {
            w.WritePropertyName(e.Key);
            WriteValue(w, e.Value);
        }

        w.WriteEndObject();
    }

    private static void WriteOptionalString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteOptionalNumber(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WritePropertyName(name);
            w.WriteRawValue(PlanNumbers.Format(v));
        }
    }
}
