using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using MLOps.Language.Binding;
using MLOps.Language.Diagnostics;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

/// <summary>
/// Renders a step's <c>run</c> string: values known now are substituted (shell-quoted when
/// needed); the rest become placeholders the runtime fills: <c>{{in.NAME}}</c> (an input known
/// at run time; artifacts always, as their path), <c>{{out.NAME}}</c>, <c>{{env.NAME}}</c>.
/// </summary>
internal static class CommandTemplate
{
    public static string Render(BoundString run, StepSymbol step, Dictionary<string, PlanExpr> args, Func<ParamSymbol, PlanValue> paramValue, DiagnosticBag diagnostics)
    {
        var sb = new StringBuilder();
        foreach (var part in run.Parts)
        {
            if (part is BoundLiteral { Type: PrimitiveType p, Value: string text } && p == PrimitiveType.String)
            {
                sb.Append(text);
            }
            else
            {
                sb.Append(RenderValue(part, step, args, paramValue, diagnostics));
            }
        }

        return sb.ToString();
    }

    public static string RenderValue(BoundExpression e, StepSymbol step, Dictionary<string, PlanExpr> args, Func<ParamSymbol, PlanValue> paramValue, DiagnosticBag diagnostics)
    {
        switch (e)
        {
            case BoundString s:
                return Render(s, step, args, paramValue, diagnostics);
            case BoundOutputPlace o:
                return "{{out." + o.Output.Name + "}}";
            case BoundEnv env:
                return "{{env." + env.Name + "}}";
            case BoundParamRef p:
                return Quote(paramValue(p.Param));
            case BoundLiteral lit:
                return Quote(PlanTypes.Value(lit.Value, lit.Type));
            case BoundEnumMember m:
                return Quote(PlanValue.Of(m.Member));
            case BoundInputRef or BoundMember:
                var path = new List<string>();
                var current = e;
                while (current is BoundMember m)
                {
                    path.Insert(0, m.Member);
                    current = m.Target;
                }

                if (current is BoundInputRef input)
                {
                    var value = args[input.Input.Name];
                    if (value is ConstExpr c && input.Input.Type is not ArtifactType && c.Value is not EnvValue)
                    {
                        var v = c.Value;
                        foreach (var field in path)
                        {
                            v = v is MapValue map ? map[field] ?? PlanValue.Null : PlanValue.Null;
                        }

                        return Quote(v);
                    }

                    return "{{in." + string.Join(".", new[] { input.Input.Name }.Concat(path)) + "}}";
                }

                break;
        }

        diagnostics.Report(DiagnosticCatalog.NotConstant, e.Span, "An interpolation in 'run' (use inputs, outputs, params, env() or literals; compute other values in an earlier step)");
        return "";
    }

    /// <summary>Single-quotes a value for /bin/sh unless it is made only of characters that need no quoting.</summary>
    public static string Quote(PlanValue value)
    {
        if (value is EnvValue env)
        {
            return "{{env." + env.Name + "}}";
        }

        var text = value.ToCommandText();
        if (text.Length > 0 && text.All(c => char.IsLetterOrDigit(c) || "_./:=@%+,-".IndexOf(c) >= 0))
        {
            return text;
        }

        return "'" + text.Replace("'", "'\\''") + "'";
    }
}
