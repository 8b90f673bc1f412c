using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

/// <summary>Samplers and pruners a sweep can name, with their options.</summary>
public static class SweepAlgorithms
{
    public static readonly ImmutableDictionary<string, ImmutableDictionary<string, MlpType>> Samplers = new Dictionary<string, ImmutableDictionary<string, MlpType>>
    {
        ["grid"] = ImmutableDictionary<string, MlpType>.Empty,
        ["random"] = new Dictionary<string, MlpType> { ["seed"] = PrimitiveType.Int }.ToImmutableDictionary(),
        ["tpe"] = new Dictionary<string, MlpType>
        {
            ["startup_trials"] = PrimitiveType.Int,
            ["n_ei_candidates"] = PrimitiveType.Int,
            ["gamma"] = PrimitiveType.Float,
            ["seed"] = PrimitiveType.Int,
        }.ToImmutableDictionary(),
    }.ToImmutableDictionary();

    public static readonly ImmutableDictionary<string, ImmutableDictionary<string, MlpType>> Pruners = new Dictionary<string, ImmutableDictionary<string, MlpType>>
    {
        ["none"] = ImmutableDictionary<string, MlpType>.Empty,
        ["median"] = new Dictionary<string, MlpType>
        {
            ["metric"] = PrimitiveType.String,
            ["startup_trials"] = PrimitiveType.Int,
            ["warmup_steps"] = PrimitiveType.Int,
            ["interval"] = PrimitiveType.Int,
            ["mode"] = ModeType,
        }.ToImmutableDictionary(),
        ["asha"] = new Dictionary<string, MlpType>
        {
            ["metric"] = PrimitiveType.String,
            ["mode"] = ModeType,
            ["grace_period"] = PrimitiveType.Int,
            ["reduction_factor"] = PrimitiveType.Float,
            ["max_resource"] = PrimitiveType.Int,
        }.ToImmutableDictionary(),
    }.ToImmutableDictionary();

    /// <summary><c>min</c> or <c>max</c>: whether smaller or larger intermediate values are better.</summary>
    public static EnumType ModeType => new("mode", ["min", "max"]);

    public static readonly ImmutableArray<string> Settings = ["objective", "sampler", "pruner", "trials", "parallel", "timeout", "max_failed", "seed"];

    public static readonly ImmutableArray<string> Distributions = ["uniform", "loguniform", "int", "choice"];
}

internal sealed partial class Binder
{
    private void BindSweep(SweepSymbol sweep)
    {
        var decl = (SweepDeclarationSyntax)sweep.Declaration!;
        var ctx = new BindContext(sweep.Module, ScopeOf(sweep.Module), ExpressionPlace.Constant);
        var pipeline = ResolveSweepPipeline(decl, sweep.Module);
        var dimensions = ImmutableArray.CreateBuilder<BoundDimension>();
        var settings = new Dictionary<string, PropertySyntax>(System.StringComparer.Ordinal);
        foreach (var member in decl.Members)
        {
            switch (member)
            {
                case DimensionSyntax d:
                    if (BindDimension(d, pipeline, ctx, dimensions) is { } dim)
                    {
                        dimensions.Add(dim);
                    }

                    break;
                case SweepSettingSyntax s when !s.Property.Name.IsMissing:
                    var name = s.Property.Name.Text;
                    if (!SweepAlgorithms.Settings.Contains(name))
                    {
                        diagnostics.Report(DiagnosticCatalog.UnknownSweepSetting, s.Property.Name.Span, NameSuggester.Suggest(name, SweepAlgorithms.Settings), [], name);
                        continue;
                    }

                    if (settings.TryGetValue(name, out var first))
                    {
                        diagnostics.Report(DiagnosticCatalog.DuplicateProperty, s.Property.Name.Span, null, [new RelatedLocation(first.Name.Span, "first set here")], name);
                        continue;
                    }

                    settings[name] = s.Property;
                    break;
            }
        }

        var direction = ObjectiveDirection.Maximize;
        var objectiveOutput = "";
        var objectivePath = ImmutableArray<string>.Empty;
        if (settings.TryGetValue("objective", out var objective))
        {
            if (objective.Value is ObjectiveSyntax o)
            {
                direction = o.Direction;
                (objectiveOutput, objectivePath) = BindObjective(o.Target, pipeline);
            }
            else if (!objective.Value.IsMissing)
            {
                diagnostics.Report(DiagnosticCatalog.InvalidObjective, objective.Value.Span, "Write the objective as 'maximize <output>' or 'minimize <output>', e.g. 'maximize metrics.auc'.");
            }
        }
        else if (!decl.Name.IsMissing)
        {
            diagnostics.Report(DiagnosticCatalog.MissingObjective, decl.Name.Span, decl.Name.Text);
        }

        var sampler = settings.TryGetValue("sampler", out var samplerSyntax)
            ? BindAlgorithm(samplerSyntax.Value, ctx, "sampler", SweepAlgorithms.Samplers)
            : new BoundConstructor("tpe", [], decl.Span);
        var pruner = settings.TryGetValue("pruner", out var prunerSyntax)
            ? BindAlgorithm(prunerSyntax.Value, ctx, "pruner", SweepAlgorithms.Pruners)
            : null;
        if (pruner is { Kind: "none" })
        {
            pruner = null;
        }

        var trials = SweepCount(settings, "trials", ctx) ?? (sampler.Kind == "grid" ? GridSize(dimensions) : 20);
        var parallel = SweepCount(settings, "parallel", ctx) ?? 1;
        var maxFailed = SweepCount(settings, "max_failed", ctx);
        var seed = SweepCount(settings, "seed", ctx, allowZero: true);
        double? timeout = settings.TryGetValue("timeout", out var timeoutSyntax)
            ? ConstantNumber(timeoutSyntax.Value, ctx, PrimitiveType.Duration, "timeout", "a duration such as 6h", positive: true)
            : null;
        if (sampler.Kind == "grid")
        {
            foreach (var d in dimensions.Where(d => d.Distribution is "uniform" or "loguniform"))
            {
                diagnostics.Report(DiagnosticCatalog.DistributionMismatch, d.Span, $"A grid sampler needs finite dimensions: '{d.Parameter.Name}' is {d.Distribution}; use choice(...) or int(...).");
            }
        }

        if (pipeline is not null)
        {
            sweep.Bound = new BoundSweep(pipeline, dimensions.ToImmutable(), direction, objectiveOutput, objectivePath, sampler, pruner, trials, parallel, timeout, maxFailed, seed);
        }
    }

    private static int GridSize(IEnumerable<BoundDimension> dimensions)
    {
        long size = 1;
        foreach (var d in dimensions)
        {
            size *= d.Distribution == "choice" ? d.Choices.Length
                : d.Distribution == "int" && d.Low is { } lo && d.High is { } hi ? (long)((hi - lo) / (d.Step ?? 1)) + 1 : 1;
        }

        return (int)System.Math.Min(size, int.MaxValue);
    }

    private PipelineSymbol? ResolveSweepPipeline(SweepDeclarationSyntax decl, ModuleSymbol module)
    {
        if (decl.Pipeline.IsEmpty || decl.Pipeline.Any(p => p.IsMissing))
        {
            return null;
        }

        var symbol = LookupQualified(decl.Pipeline, module, out var failed);
        if (failed)
        {
            return null;
        }

        var span = decl.Pipeline[0].Span.Cover(decl.Pipeline[decl.Pipeline.Length - 1].Span);
        var name = string.Join(".", decl.Pipeline.Select(p => p.Text));
        if (symbol is PipelineSymbol p)
        {
            model.Record(decl.Pipeline[decl.Pipeline.Length - 1], p);
            return p;
        }

        if (symbol is null)
        {
            var candidates = ScopeOf(module).AllNames().Where(n => ScopeOf(module).Lookup(n) is PipelineSymbol);
            diagnostics.Report(DiagnosticCatalog.UnknownName, span, NameSuggester.Suggest(name, candidates), [], name);
        }
        else
        {
            diagnostics.Report(DiagnosticCatalog.TypeMismatch, span, "pipeline", symbol.KindName + " " + name);
        }

        return null;
    }

    private BoundDimension? BindDimension(DimensionSyntax d, PipelineSymbol? pipeline, BindContext ctx, IEnumerable<BoundDimension> earlier)
    {
        if (d.Parameter.IsMissing || pipeline is null)
        {
            return null;
        }

        var parameter = pipeline.Inputs.FirstOrDefault(i => i.Name == d.Parameter.Text);
        if (parameter is null)
        {
            diagnostics.Report(DiagnosticCatalog.UnknownSweepParameter, d.Parameter.Span, NameSuggester.Suggest(d.Parameter.Text, pipeline.Inputs.Select(i => i.Name)), [], pipeline.Name, d.Parameter.Text);
            return null;
        }

        model.Record(d.Parameter, parameter);
        if (earlier.FirstOrDefault(e => e.Parameter == parameter) is { } previous)
        {
            diagnostics.Report(DiagnosticCatalog.DuplicateDeclaration, d.Parameter.Span, null, [new RelatedLocation(previous.Span, "first declared here")], parameter.Name, "sweep");
            return null;
        }

        if (d.Distribution is not CallSyntax { Callee: NameExpressionSyntax callee } call)
        {
            if (!d.Distribution.IsMissing)
            {
                diagnostics.Report(DiagnosticCatalog.UnknownDistribution, d.Distribution.Span, d.Distribution.Span.Text);
            }

            return null;
        }

        var kind = callee.Name.Text;
        if (!SweepAlgorithms.Distributions.Contains(kind))
        {
            diagnostics.Report(DiagnosticCatalog.UnknownDistribution, callee.Span, NameSuggester.Suggest(kind, SweepAlgorithms.Distributions), [], kind);
            return null;
        }

        var type = parameter.Type is OptionalType o ? o.Inner : parameter.Type;
        var values = call.Arguments.Where(a => a.Name is null).Select(a => BindConstant(a.Value, ctx, null, "A sweep bound")).ToList();
        var named = call.Arguments.Where(a => a.Name is not null).ToDictionary(a => a.Name!.Text, a => a, System.StringComparer.Ordinal);
        var span = d.Span;
        if (kind == "choice")
        {
            if (values.Count == 0)
            {
                diagnostics.Report(DiagnosticCatalog.DistributionMismatch, call.Span, "choice(...) needs at least one value.");
                return null;
            }

            foreach (var v in values.Where(v => !TypeFacts.IsAssignable(v.Type, type)))
            {
                diagnostics.Report(DiagnosticCatalog.DistributionMismatch, v.Span, $"The choice {v.Span.Text} is a '{v.Type.Display}' but '{parameter.Name}' is a '{type.Display}'.");
                return null;
            }

            return new BoundDimension(parameter, kind, null, null, null, false, [.. values], span);
        }

        if (kind == "int" ? type != PrimitiveType.Int && type != PrimitiveType.Float : type != PrimitiveType.Float)
        {
            var hint = type == PrimitiveType.Int ? "use int(low, high) for an int parameter" : "use choice(...) for this type";
            diagnostics.Report(DiagnosticCatalog.DistributionMismatch, call.Span, $"{kind}(...) draws {(kind == "int" ? "integers" : "floats")} but '{parameter.Name}' is a '{type.Display}': {hint}.");
            return null;
        }

        if (values.Count != 2)
        {
            diagnostics.Report(DiagnosticCatalog.WrongArgumentCount, call.Span, kind, 2, values.Count);
            return null;
        }

        double? Number(BoundExpression e)
        {
            if (!e.Type.IsNumeric)
            {
                if (!e.Type.IsError)
                {
                    diagnostics.Report(DiagnosticCatalog.TypeMismatch, e.Span, "float", e.Type.Display);
                }

                return null;
            }

            return ConstantEvaluator.TryEvaluate(e, null, out var v) ? ConstantEvaluator.ToDouble(v) : null;
        }

        var low = Number(values[0]);
        var high = Number(values[1]);
        double? step = null;
        var log = kind == "loguniform";
        foreach (var entry in named)
        {
            var argName = entry.Key;
            var arg = entry.Value;
            switch (argName)
            {
                case "step" when kind == "int":
                    step = Number(BindConstant(arg.Value, ctx, PrimitiveType.Int, "'step'"));
                    break;
                case "log" when kind == "int":
                    var lv = BindConstant(arg.Value, ctx, PrimitiveType.Bool, "'log'");
                    log = ConstantEvaluator.TryEvaluate(lv, null, out var b) && b is true;
                    break;
                default:
                    diagnostics.Report(DiagnosticCatalog.UnknownArgument, arg.Name!.Span, NameSuggester.Suggest(argName, kind == "int" ? ["step", "log"] : []), [], kind, argName);
                    break;
            }
        }

        if (low is null || high is null)
        {
            return null;
        }

        if (low >= high)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidSweepValue, call.Span, $"The low bound {ConstantEvaluator.ToText(low)} must be below the high bound {ConstantEvaluator.ToText(high)}.");
            return null;
        }

        if (log && low <= 0)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidSweepValue, values[0].Span, "A log-scaled range needs a low bound above zero.");
            return null;
        }

        if (kind == "int" && type == PrimitiveType.Int && (low % 1 != 0 || high % 1 != 0))
        {
            diagnostics.Report(DiagnosticCatalog.DistributionMismatch, call.Span, "int(...) needs integer bounds.");
            return null;
        }

        return new BoundDimension(parameter, kind, low, high, step, log, [], span);
    }

    private (string Output, ImmutableArray<string> Path) BindObjective(ExpressionSyntax target, PipelineSymbol? pipeline)
    {
        var names = new List<Syntax.NameSyntax>();
        var e = target;
        while (e is MemberAccessSyntax m)
        {
            names.Insert(0, m.Member);
            e = m.Target;
        }

        if (e is not NameExpressionSyntax root)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidObjective, target.Span, "The objective must name a pipeline output, e.g. 'metrics.auc'.");
            return ("", []);
        }

        names.Insert(0, root.Name);
        if (pipeline is null || names.Any(n => n.IsMissing))
        {
            return ("", []);
        }

        var output = pipeline.Outputs.FirstOrDefault(o => o.Name == root.Name.Text);
        if (output is null)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidObjective, root.Span, NameSuggester.Suggest(root.Name.Text, pipeline.Outputs.Select(o => o.Name)), [], $"The pipeline '{pipeline.Name}' has no output '{root.Name.Text}'.");
            return ("", []);
        }

        model.Record(root.Name, output);
        var type = output.Type;
        for (var i = 1; i < names.Count; i++)
        {
            if (type is not RecordType record || record.Find(names[i].Text) is not { } field)
            {
                var suggestion = type is RecordType r ? NameSuggester.Suggest(names[i].Text, r.Fields.Select(f => f.Name)) : null;
                diagnostics.Report(DiagnosticCatalog.UnknownField, names[i].Span, suggestion, [], type.Display, names[i].Text);
                return ("", []);
            }

            type = field.Type;
        }

        if (!type.IsNumeric && !type.IsError)
        {
            diagnostics.Report(DiagnosticCatalog.InvalidObjective, target.Span, $"The objective must be a number (int or float) but '{target.Span.Text}' is a '{type.Display}'.");
            return ("", []);
        }

        return (output.Name, [.. names.Skip(1).Select(n => n.Text)]);
    }

    private BoundConstructor BindAlgorithm(ExpressionSyntax syntax, BindContext ctx, string what, ImmutableDictionary<string, ImmutableDictionary<string, MlpType>> known)
    {
        var (kindName, options) = syntax switch
        {
            ConstructorSyntax c => (c.Kind, c.Options.Fields),
            NameExpressionSyntax n => (n.Name, ImmutableArray<RecordFieldSyntax>.Empty),
            LiteralSyntax { Kind: LiteralKind.None } l => (new Syntax.NameSyntax("none", l.Span), ImmutableArray<RecordFieldSyntax>.Empty),
            _ => (null, ImmutableArray<RecordFieldSyntax>.Empty),
        };
        if (kindName is null)
        {
            if (!syntax.IsMissing)
            {
                diagnostics.Report(DiagnosticCatalog.UnknownAlgorithm, syntax.Span, syntax.Span.Text, what, string.Join(", ", known.Keys.OrderBy(k => k, System.StringComparer.Ordinal)));
            }

            return new BoundConstructor("none", [], syntax.Span);
        }

        if (!known.TryGetValue(kindName.Text, out var schema))
        {
            diagnostics.Report(DiagnosticCatalog.UnknownAlgorithm, kindName.Span, NameSuggester.Suggest(kindName.Text, known.Keys), [], kindName.Text, what, string.Join(", ", known.Keys.OrderBy(k => k, System.StringComparer.Ordinal)));
            return new BoundConstructor("none", [], syntax.Span);
        }

        var bound = ImmutableArray.CreateBuilder<KeyValuePair<string, BoundExpression>>();
        foreach (var option in options)
        {
            if (!schema.TryGetValue(option.Name.Text, out var type))
            {
                diagnostics.Report(DiagnosticCatalog.UnknownAlgorithmOption, option.Name.Span, NameSuggester.Suggest(option.Name.Text, schema.Keys), [], what, kindName.Text, option.Name.Text);
                continue;
            }

            if (type is EnumType mode && option.Value is NameExpressionSyntax modeName && mode.Members.Contains(modeName.Name.Text))
            {
                bound.Add(new(option.Name.Text, new BoundLiteral(PrimitiveType.String, modeName.Name.Text, option.Value.Span)));
                continue;
            }

            if (type is EnumType)
            {
                var v = BindExpression(option.Value, ctx);
                if (!v.Type.IsError)
                {
                    diagnostics.Report(DiagnosticCatalog.InvalidSweepValue, option.Value.Span, $"'{option.Name.Text}' is min or max.");
                }

                continue;
            }

            bound.Add(new(option.Name.Text, BindConstant(option.Value, ctx, type, $"The option '{option.Name.Text}'")));
        }

        return new BoundConstructor(kindName.Text, bound.ToImmutable(), syntax.Span);
    }

    private int? SweepCount(Dictionary<string, PropertySyntax> settings, string name, BindContext ctx, bool allowZero = false)
    {
        if (!settings.TryGetValue(name, out var p))
        {
            return null;
        }

        var value = ConstantNumber(p.Value, ctx, PrimitiveType.Int, name, "a count such as 50", positive: !allowZero);
        return value is { } v ? (int)v : null;
    }
}
