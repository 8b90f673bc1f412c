using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using MLOps.Language.Binding;
using MLOps.Language.Diagnostics;
using MLOps.Language.Text;

namespace MLOps.Language.Lowering;

/// <summary>
/// Parses <c>--param name=value</c> texts against the declared types. Pipeline parameters are
/// looked up first, then the entry module's <c>param</c>s. Errors point into the argument text.
/// </summary>
public static class ParamOverrides
{
    private static readonly Regex DurationPattern = new(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$", RegexOptions.CultureInvariant);
    private static readonly Regex SizePattern = new(@"^(\d+(?:\.\d+)?)(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", RegexOptions.CultureInvariant);

    internal static Dictionary<Symbol, object?> Parse(Compilation compilation, PipelineSymbol pipeline, IReadOnlyList<KeyValuePair<string, string>> overrides, DiagnosticBag diagnostics)
    {
        var values = new Dictionary<Symbol, object?>();
        foreach (var kv in overrides)
        {
            var file = new SourceFile("--param", kv.Key + "=" + kv.Value);
            var nameSpan = new SourceSpan(file, new TextSpan(0, kv.Key.Length));
            var valueSpan = new SourceSpan(file, new TextSpan(kv.Key.Length + 1, file.Text.Length));
            Symbol? target = pipeline.Inputs.FirstOrDefault(i => i.Name == kv.Key);
            target ??= compilation.Model.Params.FirstOrDefault(p => p.Name == kv.Key && ReferenceEquals(p.Module, compilation.EntryModule));
            if (target is null)
            {
                var names = pipeline.Inputs.Select(i => i.Name).Concat(compilation.Model.Params.Where(p => ReferenceEquals(p.Module, compilation.EntryModule)).Select(p => p.Name));
                diagnostics.Report(DiagnosticCatalog.UnknownParameterOverride, nameSpan, NameSuggester.Suggest(kv.Key, names), [], kv.Key);
                continue;
            }

            var type = target is ParamSymbol ps ? ps.Type : ((ParameterSymbol)target).Type;
            if (TryParseValue(kv.Value, type, out var value, out var reason))
            {
                values[target] = value;
            }
            else
            {
                diagnostics.Report(DiagnosticCatalog.InvalidParameterValue, valueSpan, kv.Value, kv.Key, type.Display, reason);
            }
        }

        return values;
    }

    /// <summary>Parses command-line text as a value of <paramref name="type"/> (values as <see cref="ConstantEvaluator"/> uses them).</summary>
    public static bool TryParseValue(string text, MlpType type, out object? value, out string reason)
    {
        value = null;
        reason = "";
        if (type is OptionalType o)
        {
            if (text == "none")
            {
                return true;
            }

            type = o.Inner;
        }

        var t = text.Trim();
        switch (type)
        {
            case PrimitiveType p when p == PrimitiveType.Int:
                if (long.TryParse(t.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
                {
                    value = l;
                    return true;
                }

                reason = "expected a whole number such as 42";
                return false;
            case PrimitiveType p when p == PrimitiveType.Float:
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsNaN(d) && !double.IsInfinity(d))
                {
                    value = d;
                    return true;
                }

                reason = "expected a number such as 0.01 or 1e-3";
                return false;
            case PrimitiveType p when p == PrimitiveType.Bool:
                if (t is "true" or "false")
                {
                    value = t == "true";
                    return true;
                }

                reason = "expected true or false";
                return false;
            case PrimitiveType p when p == PrimitiveType.String || p == PrimitiveType.Path:
                value = text;
                return true;
            case ArtifactType:
                value = text;
                return true;
            case PrimitiveType p when p == PrimitiveType.Duration:
                var dm = DurationPattern.Match(t);
                if (dm.Success)
                {
                    var n = double.Parse(dm.Groups[1].Value, CultureInfo.InvariantCulture);
                    value = n * dm.Groups[2].Value switch { "ms" => 0.001, "s" => 1, "m" => 60, "h" => 3600, _ => 86400 };
                    return true;
                }

                reason = "expected a duration such as 90s, 5m, 2h or 1d";
                return false;
            case PrimitiveType p when p == PrimitiveType.Size:
                var sm = SizePattern.Match(t);
                if (sm.Success)
                {
                    var n = double.Parse(sm.Groups[1].Value, CultureInfo.InvariantCulture);
                    double unit = sm.Groups[2].Value switch
                    {
                        "B" => 1,
                        "KB" => 1e3,
                        "MB" => 1e6,
                        "GB" => 1e9,
                        "TB" => 1e12,
                        "KiB" => 1024,
                        "MiB" => 1024d * 1024,
                        "GiB" => 1024d * 1024 * 1024,
                        _ => 1024d * 1024 * 1024 * 1024,
                    };
                    value = (long)(n * unit);
                    return true;
                }

                reason = "expected a size such as 512MiB or 16GiB";
                return false;
            case EnumType e:
                if (e.Members.Contains(t))
                {
                    value = t;
                    return true;
                }

                reason = "expected one of " + string.Join(", ", e.Members);
                return false;
            case ListType list:
                var items = new List<object?>();
                foreach (var part in t.Length == 0 ? [] : t.Split(','))
                {
                    if (!TryParseValue(part, list.Element, out var item, out reason))
                    {
                        reason = $"item '{part}': {reason}";
                        return false;
                    }

                    items.Add(item);
                }

                value = items;
                return true;
            default:
                reason = "values of this type cannot be given on the command line";
                return false;
        }
    }
}
