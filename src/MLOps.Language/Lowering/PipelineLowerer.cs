using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using MLOps.Language.Binding;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

/// <summary>
/// Turns a pipeline's bound body into plan nodes. Sub-pipelines are inlined with their call's
/// name as a prefix (<c>train/fit</c>); <c>if</c>s become node conditions; <c>for</c>s become fan-outs.
/// </summary>
internal sealed class PipelineLowerer(Compilation compilation, Dictionary<Symbol, object?> overrides, DiagnosticBag diagnostics)
{
    private readonly HashSet<string> nodeIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> targetNames = new(StringComparer.Ordinal);
    private ImmutableHashSet<string> swept = [];
    private int fanOutCounter;
    private int registrationCounter;

    public ImmutableArray<PlanParam>.Builder Params { get; } = ImmutableArray.CreateBuilder<PlanParam>();

    public ImmutableArray<PlanTarget>.Builder Targets { get; } = ImmutableArray.CreateBuilder<PlanTarget>();

    public ImmutableArray<PlanFanOut>.Builder FanOuts { get; } = ImmutableArray.CreateBuilder<PlanFanOut>();

    public ImmutableArray<PlanNode>.Builder Nodes { get; } = ImmutableArray.CreateBuilder<PlanNode>();

    public ImmutableArray<PlanOutputBinding>.Builder Outputs { get; } = ImmutableArray.CreateBuilder<PlanOutputBinding>();

    public ImmutableArray<PlanRegistration>.Builder Registrations { get; } = ImmutableArray.CreateBuilder<PlanRegistration>();

    /// <summary>Where lowering is: name prefix, enclosing condition and fan-out, and what locals hold.</summary>
    private sealed record Frame(string Prefix, PlanExpr? Condition, string? FanOut, Dictionary<LocalSymbol, Lowered> Locals);

    /// <summary>A lowered value: a plan expression, or the outputs of a call.</summary>
    private abstract record Lowered;

    private sealed record ValueLowered(PlanExpr Expr) : Lowered;

    private sealed record CallLowered(ImmutableDictionary<string, PlanExpr> Outputs) : Lowered;

    public void LowerEntry(PipelineSymbol pipeline, ImmutableHashSet<string> sweptParams)
    {
        swept = sweptParams;
        foreach (var p in compilation.Model.Params.Where(p => ReferenceEquals(p.Module, compilation.EntryModule)))
        {
            Params.Add(new PlanParam(p.Name, PlanTypes.From(p.Type), ParamValue(p)));
        }

        var locals = new Dictionary<LocalSymbol, Lowered>();
        var inputs = new Dictionary<string, PlanExpr>(StringComparer.Ordinal);
        foreach (var input in pipeline.Inputs)
        {
            PlanExpr value = swept.Contains(input.Name)
                ? new ParamRefExpr(input.Name)
                : new ConstExpr(overrides.TryGetValue(input, out var o) ? PlanTypes.Value(o, input.Type) : DefaultValue(input));
            if (value is ConstExpr { Value: NullValue } && input.IsRequired && !swept.Contains(input.Name))
            {
                diagnostics.Report(DiagnosticCatalog.MissingArgument, pipeline.Declaration.Name.Span, pipeline.Name, input.Name, input.Type.Display + " (give it with --param " + input.Name + "=...)");
            }

            Params.Add(new PlanParam(input.Name, PlanTypes.From(input.Type), value is ConstExpr c ? c.Value : PlanValue.Null));
            inputs[input.Name] = value;
        }

        var result = LowerPipelineBody(pipeline, inputs, new Frame("", null, null, locals));
        foreach (var output in pipeline.Outputs)
        {
            if (result.TryGetValue(output.Name, out var value))
            {
                Outputs.Add(new PlanOutputBinding(output.Name, PlanTypes.From(output.Type), value));
            }
        }

        if (!targetNames.Contains("local") && Nodes.Count == 0)
        {
            AddTarget(TargetSymbol.Local);
        }
    }

    private PlanValue ParamValue(ParamSymbol p)
    {
        if (overrides.TryGetValue(p, out var o))
        {
            return PlanTypes.Value(o, p.Type);
        }

        if (p.Default is { } d)
        {
            return Constant(d, p.Type);
        }

        return PlanValue.Null;
    }

    private PlanValue DefaultValue(ParameterSymbol p) => p.Default is { } d ? Constant(d, p.Type) : PlanValue.Null;

    private PlanValue Constant(BoundExpression e, MlpType type)
    {
        if (e is BoundEnv env)
        {
            return new EnvValue(env.Name);
        }

        return ConstantEvaluator.TryEvaluate(e, ParamLookup, out var v) ? PlanTypes.Value(v, type) : PlanValue.Null;
    }

    private object? ParamLookup(ParamSymbol p)
    {
        if (overrides.TryGetValue(p, out var o))
        {
            return o;
        }

        return p.Default is { } d && ConstantEvaluator.TryEvaluate(d, ParamLookup, out var v) ? v : null;
    }

    /// <summary>Lowers a body; returns the expressions of what it returns, by output name.</summary>
    private Dictionary<string, PlanExpr> LowerPipelineBody(PipelineSymbol pipeline, Dictionary<string, PlanExpr> inputs, Frame frame)
    {
        foreach (var local in pipeline.ParameterLocals)
        {
            frame.Locals[local] = new ValueLowered(inputs[local.Name]);
        }

        var returned = new Dictionary<string, PlanExpr>(StringComparer.Ordinal);
        if (pipeline.Body is { } body)
        {
            LowerBlock(body, frame, returned);
        }

        return returned;
    }

    private void LowerBlock(BoundBlock block, Frame frame, Dictionary<string, PlanExpr>? returned)
    {
        foreach (var statement in block.Statements)
        {
            LowerStatement(statement, frame, returned);
        }
    }

    private void LowerStatement(BoundStatement statement, Frame frame, Dictionary<string, PlanExpr>? returned)
    {
        switch (statement)
        {
            case BoundLet let:
                frame.Locals[let.Local] = Lower(let.Value, frame, let.Local.Name);
                break;
            case BoundIf ifs:
                var condition = AsExpr(Lower(ifs.Condition, frame, null));
                if (condition is ConstExpr { Value: BoolValue b })
                {
                    // Known before the run: keep only the branch that runs.
                    if (b.Value)
                    {
                        LowerBlock(ifs.Then, frame, null);
                    }
                    else if (ifs.Else is not null)
                    {
                        LowerStatement(ifs.Else, frame, null);
                    }

                    break;
                }

                LowerBlock(ifs.Then, frame with { Condition = And(frame.Condition, condition) }, null);
                if (ifs.Else is not null)
                {
                    LowerStatement(ifs.Else, frame with { Condition = And(frame.Condition, new OpExpr("not", [condition])) }, null);
                }

                break;
            case BoundForStatement fs:
                Lower(fs.For, frame, null);
                break;
            case BoundRegister reg:
                LowerRegister(reg, frame);
                break;
            case BoundReturn ret when returned is not null:
                switch (Lower(ret.Value, frame, null))
                {
                    case ValueLowered { Expr: RecordExpr record }:
                        foreach (var f in record.Fields)
                        {
                            returned[f.Name] = f.Value;
                        }

                        break;
                    case ValueLowered { Expr: ConstExpr { Value: MapValue map } }:
                        foreach (var e in map.Entries)
                        {
                            returned[e.Key] = new ConstExpr(e.Value);
                        }

                        break;
                    case CallLowered call:
                        foreach (var kv in call.Outputs)
                        {
                            returned[kv.Key] = kv.Value;
                        }

                        break;
                }

                break;
            case BoundBlock block:
                LowerBlock(block, frame, null);
                break;
            case BoundExpressionStatement es:
                Lower(es.Expression, frame, null);
                break;
        }
    }

    private static PlanExpr? And(PlanExpr? outer, PlanExpr inner) => outer is null ? inner : new OpExpr("and", [outer, inner]);

    private static PlanExpr AsExpr(Lowered l) => l switch
    {
        ValueLowered v => v.Expr,
        CallLowered c => new RecordExpr([.. c.Outputs.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => new RecordExprField(o.Key, o.Value))]),
        _ => new ConstExpr(PlanValue.Null),
    };

    private Lowered Lower(BoundExpression e, Frame frame, string? bindingName)
    {
        switch (e)
        {
            case BoundLiteral { Type: PrimitiveType } lit:
                return new ValueLowered(new ConstExpr(PlanTypes.Value(lit.Value, lit.Type)));
            case BoundEnumMember m:
                return new ValueLowered(new ConstExpr(PlanValue.Of(m.Member)));
            case BoundEnv env:
                return new ValueLowered(new EnvExpr(env.Name));
            case BoundParamRef p:
                return new ValueLowered(new ConstExpr(ParamValue(p.Param)));
            case BoundLocalRef local:
                return frame.Locals.TryGetValue(local.Local, out var value) ? value : new ValueLowered(new ConstExpr(PlanValue.Null));
            case BoundCall call:
                return LowerCall(call, frame, bindingName);
            case BoundMember member:
                return new ValueLowered(Member(Lower(member.Target, frame, null), member.Member));
            case BoundUnary u:
                var operand = AsExpr(Lower(u.Operand, frame, null));
                return new ValueLowered(Fold(u.Operator == UnaryOperator.Not ? "not" : "neg", [operand], u.Type));
            case BoundBinary b:
                var left = AsExpr(Lower(b.Left, frame, null));
                var right = AsExpr(Lower(b.Right, frame, null));
                return new ValueLowered(Fold(Binder.OperatorText(b.Operator), [left, right], b.Type));
            case BoundList list:
                var items = list.Items.Select(i => AsExpr(Lower(i, frame, null))).ToImmutableArray();
                return new ValueLowered(items.All(i => i is ConstExpr)
                    ? new ConstExpr(new ListValue([.. items.Cast<ConstExpr>().Select(c => c.Value)]))
                    : new ListExpr(items));
            case BoundRecord record:
                var fields = record.Fields.Select(f => new RecordExprField(f.Key, AsExpr(Lower(f.Value, frame, null)))).ToImmutableArray();
                return new ValueLowered(fields.All(f => f.Value is ConstExpr)
                    ? new ConstExpr(new MapValue([.. fields.Select(f => new KeyValuePair<string, PlanValue>(f.Name, ((ConstExpr)f.Value).Value))]))
                    : new RecordExpr(fields));
            case BoundString s:
                var parts = s.Parts.Select(p => AsExpr(Lower(p, frame, null))).ToImmutableArray();
                return new ValueLowered(parts.All(p => p is ConstExpr)
                    ? new ConstExpr(PlanValue.Of(string.Concat(parts.Cast<ConstExpr>().Select(c => c.Value.ToCommandText()))))
                    : new ConcatExpr(parts));
            case BoundFor f:
                return LowerFor(f, frame, bindingName);
            default:
                return new ValueLowered(new ConstExpr(PlanValue.Null));
        }
    }

    private static PlanExpr Member(Lowered target, string member) => target switch
    {
        CallLowered call => call.Outputs.TryGetValue(member, out var o) ? o : new ConstExpr(PlanValue.Null),
        ValueLowered { Expr: OutputRefExpr o } => o with { Path = PlanTypes.Path(o, member) },
        ValueLowered { Expr: FanOutItemExpr f } => f with { Path = f.Path.IsDefault ? [member] : f.Path.Add(member) },
        ValueLowered { Expr: ConstExpr { Value: MapValue map } } => new ConstExpr(map[member] ?? PlanValue.Null),
        ValueLowered { Expr: RecordExpr r } => r.Fields.FirstOrDefault(f => f.Name == member)?.Value ?? new ConstExpr(PlanValue.Null),
        ValueLowered v => new OpExpr("field", [v.Expr, new ConstExpr(PlanValue.Of(member))]),
        _ => new ConstExpr(PlanValue.Null),
    };

    /// <summary>Folds operators over constants; keeps run-time ones as operator expressions.</summary>
    private static PlanExpr Fold(string op, ImmutableArray<PlanExpr> args, MlpType type)
    {
        if (args.All(a => a is ConstExpr c && c.Value is not EnvValue))
        {
            var values = args.Select(a => Unbox(((ConstExpr)a).Value)).ToList();
            object? result = null;
            var ok = op switch
            {
                "not" => values[0] is bool b && (result = !b) is not null,
                "neg" => (result = values[0] is long l ? -l : values[0] is double d ? -d : null) is not null,
                _ => TryFoldBinary(op, values[0], values[1], out result),
            };
            if (ok)
            {
                return new ConstExpr(PlanTypes.Value(result, type));
            }
        }

        return new OpExpr(op, args);
    }

    private static bool TryFoldBinary(string op, object? l, object? r, out object? result)
    {
        var binary = op switch
        {
            "+" => BinaryOperator.Add,
            "-" => BinaryOperator.Subtract,
            "*" => BinaryOperator.Multiply,
            "/" => BinaryOperator.Divide,
            "%" => BinaryOperator.Modulo,
            "<" => BinaryOperator.Less,
            "<=" => BinaryOperator.LessOrEqual,
            ">" => BinaryOperator.Greater,
            ">=" => BinaryOperator.GreaterOrEqual,
            "==" => BinaryOperator.Equal,
            "!=" => BinaryOperator.NotEqual,
            "and" => BinaryOperator.And,
            "or" => BinaryOperator.Or,
            _ => (BinaryOperator?)null,
        };
        result = null;
        if (binary is null)
        {
            return false;
        }

        return ConstantEvaluator.TryEvaluate(new BoundBinary(Lit(l), binary.Value, Lit(r), ErrorType.Instance, default), null, out result);
    }

    private static BoundLiteral Lit(object? v) => new(v switch
    {
        long => PrimitiveType.Int,
        double => PrimitiveType.Float,
        bool => PrimitiveType.Bool,
        string => PrimitiveType.String,
        _ => PrimitiveType.None,
    }, v, default);

    private static object? Unbox(PlanValue v) => v switch
    {
        BoolValue b => b.Value,
        IntValue i => i.Value,
        FloatValue f => f.Value,
        StringValue s => s.Value,
        _ => null,
    };

    private Lowered LowerFor(BoundFor f, Frame frame, string? bindingName)
    {
        var items = AsExpr(Lower(f.Items, frame, null));
        var id = frame.Prefix + (bindingName ?? "for") + "#" + (++fanOutCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        FanOuts.Add(new PlanFanOut(id, f.Variable.Name, items, frame.FanOut));
        var inner = frame with { FanOut = id, Locals = new Dictionary<LocalSymbol, Lowered>(frame.Locals) };
        inner.Locals[f.Variable] = new ValueLowered(new FanOutItemExpr(id, []));
        LowerBlock(f.Body, inner, null);
        if (f.Yield is null)
        {
            return new ValueLowered(new ConstExpr(PlanValue.Null));
        }

        var yielded = Lower(f.Yield, inner, null);
        return yielded switch
        {
            CallLowered call => new CallLowered(call.Outputs.ToImmutableDictionary(kv => kv.Key, kv => (PlanExpr)new GatherExpr(id, kv.Value))),
            _ => new ValueLowered(new GatherExpr(id, AsExpr(yielded))),
        };
    }

    private Lowered LowerCall(BoundCall call, Frame frame, string? bindingName)
    {
        var args = new Dictionary<string, PlanExpr>(StringComparer.Ordinal);
        foreach (var input in call.Callee.Inputs)
        {
            var given = call.Arguments.FirstOrDefault(a => ReferenceEquals(a.Key, input));
            args[input.Name] = given.Key is not null ? AsExpr(Lower(given.Value, frame, null)) : new ConstExpr(DefaultValue(input));
        }

        if (call.Callee is PipelineSymbol sub)
        {
            var prefix = frame.Prefix + (bindingName ?? sub.Name) + "/";
            var outputs = LowerPipelineBody(sub, args, frame with { Prefix = prefix, Locals = [] });
            return new CallLowered(outputs.ToImmutableDictionary(StringComparer.Ordinal));
        }

        var step = (StepSymbol)call.Callee;
        var id = UniqueId(frame.Prefix + step.Name);
        Nodes.Add(LowerNode(step, id, args, frame));
        return new CallLowered(step.Outputs.ToImmutableDictionary(o => o.Name, o => (PlanExpr)new OutputRefExpr(id, o.Name, []), StringComparer.Ordinal));
    }

    private string UniqueId(string id)
    {
        if (nodeIds.Add(id))
        {
            return id;
        }

        for (var i = 2; ; i++)
        {
            var candidate = id + "_" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (nodeIds.Add(candidate))
            {
                return candidate;
            }
        }
    }

    private PlanNode LowerNode(StepSymbol step, string id, Dictionary<string, PlanExpr> args, Frame frame)
    {
        var bound = step.Bound!;
        var inputs = step.Inputs.Select(i => new PlanInput(i.Name, PlanTypes.From(i.Type), args[i.Name])).ToImmutableArray();
        var command = CommandTemplate.Render(bound.Run, step, args, ParamValue, diagnostics);
        var env = bound.Env.Select(kv => new KeyValuePair<string, string>(kv.Key, CommandTemplate.RenderValue(kv.Value, step, args, ParamValue, diagnostics))).ToImmutableArray();
        var image = bound.Image is { } img ? Constant(img, PrimitiveType.String).ToCommandText() : null;
        var resources = new PlanResources(bound.Resources.Cpu, bound.Resources.MemoryBytes, bound.Resources.Gpu, bound.Resources.GpuType);
        AddTarget(bound.Target);
        var outputs = step.Outputs.Select(o => new PlanOutput(o.Name, PlanTypes.From(o.Type))).ToImmutableArray();
        var dependsOn = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            CollectNodes(input.Value, dependsOn);
        }

        if (frame.Condition is { } condition)
        {
            CollectNodes(condition, dependsOn);
        }

        CollectFanOutDependencies(frame.FanOut, dependsOn);
        var definition = new StringBuilder()
            .Append("step=").Append(step.QualifiedName).Append('\n')
            .Append("command=").Append(command).Append('\n')
            .Append("image=").Append(image).Append('\n')
            .Append("env=").Append(string.Join(";", env.Select(e => e.Key + "=" + e.Value))).Append('\n')
            .Append("resources=").Append(PlanNumbers.Format(resources.Cpu)).Append(',').Append(resources.MemoryBytes).Append(',').Append(resources.Gpu).Append(',').Append(resources.GpuType).Append('\n')
            .Append("outputs=").Append(string.Join(";", outputs.Select(o => o.Name + ":" + PlanJson.WriteType(o.Type)))).Append('\n')
            .Append("inputs=").Append(string.Join(";", inputs.Select(i => i.Name + ":" + PlanJson.WriteType(i.Type))));
        return new PlanNode
        {
            Id = id,
            Step = step.QualifiedName,
            Command = command,
            Image = image,
            Env = env,
            Resources = resources,
            Retry = new PlanRetry(bound.Retry.Attempts, bound.Retry.BackoffSeconds, bound.Retry.Factor),
            TimeoutSeconds = bound.TimeoutSeconds,
            Target = bound.Target.Name,
            Inputs = inputs,
            Outputs = outputs,
            DependsOn = [.. dependsOn],
            Condition = frame.Condition,
            FanOut = frame.FanOut,
            Cache = new PlanCacheKey(
                bound.Cache,
                PlanBuilder.Digest(definition.ToString()),
                ["step", "command", "image", "env", "resources", "outputs", "inputs"],
                [.. inputs.Select(i => "inputs." + i.Name)]),
        };
    }

    private void CollectFanOutDependencies(string? fanOut, SortedSet<string> into)
    {
        for (var f = fanOut; f is not null;)
        {
            var current = FanOuts.First(x => x.Id == f);
            CollectNodes(current.Items, into);
            f = current.Parent;
        }
    }

    private static void CollectNodes(PlanExpr e, SortedSet<string> into)
    {
        switch (e)
        {
            case OutputRefExpr o:
                into.Add(o.Node);
                break;
            case OpExpr op:
                foreach (var a in op.Args)
                {
                    CollectNodes(a, into);
                }

                break;
            case ListExpr l:
                foreach (var a in l.Items)
                {
                    CollectNodes(a, into);
                }

                break;
            case RecordExpr r:
                foreach (var f in r.Fields)
                {
                    CollectNodes(f.Value, into);
                }

                break;
            case ConcatExpr c:
                foreach (var p in c.Parts)
                {
                    CollectNodes(p, into);
                }

                break;
            case GatherExpr g:
                CollectNodes(g.Value, into);
                break;
        }
    }

    private void AddTarget(TargetSymbol target)
    {
        if (!targetNames.Add(target.Name))
        {
            return;
        }

        var properties = target.Properties
            .Select(kv => new KeyValuePair<string, PlanValue>(kv.Key, Constant(kv.Value, kv.Value.Type)))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToImmutableArray();
        Targets.Add(new PlanTarget(target.Name, target.Kind, properties));
    }

    private void LowerRegister(BoundRegister reg, Frame frame)
    {
        var artifact = AsExpr(Lower(reg.Artifact, frame, null));
        var metrics = reg.Metrics is null ? null : AsExpr(Lower(reg.Metrics, frame, null));
        var tags = reg.Tags is null ? null : AsExpr(Lower(reg.Tags, frame, null));
        var dependsOn = new SortedSet<string>(StringComparer.Ordinal);
        CollectNodes(artifact, dependsOn);
        if (metrics is not null)
        {
            CollectNodes(metrics, dependsOn);
        }

        if (frame.Condition is { } c)
        {
            CollectNodes(c, dependsOn);
        }

        CollectFanOutDependencies(frame.FanOut, dependsOn);
        Registrations.Add(new PlanRegistration
        {
            Id = frame.Prefix + "register-" + reg.Model + "#" + (++registrationCounter).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Model = reg.Model,
            Artifact = artifact,
            Metrics = metrics,
            MetricsType = reg.Metrics is null ? null : PlanTypes.From(reg.Metrics.Type),
            Tags = tags,
            DependsOn = [.. dependsOn],
            Condition = frame.Condition,
            FanOut = frame.FanOut,
        });
    }
}
