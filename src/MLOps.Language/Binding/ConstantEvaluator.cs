using System;
using System.Collections.Generic;
using System.Linq;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

/// <summary>
/// Values known before a run: literals, params (their default, or a --param override) and
/// operators over them. <c>env()</c> is known only on the executing machine, so it is not folded.
/// Values: long, double, bool, string, null, List&lt;object?&gt;, or ordered key/value lists for records.
/// </summary>
public static class ConstantEvaluator
{
    public static bool IsCompileTime(BoundExpression e) => e switch
    {
        BoundLiteral or BoundEnv or BoundEnumMember or BoundError => true,
        BoundParamRef => true,
        BoundUnary u => IsCompileTime(u.Operand),
        BoundBinary b => IsCompileTime(b.Left) && IsCompileTime(b.Right),
        BoundList l => l.Items.All(IsCompileTime),
        BoundRecord r => r.Fields.All(f => IsCompileTime(f.Value)),
        BoundString s => s.Parts.All(IsCompileTime),
        _ => false,
    };

    /// <summary>Folds <paramref name="e"/>; false when it depends on run-time values or on env().</summary>
    public static bool TryEvaluate(BoundExpression e, Func<ParamSymbol, object?>? paramValue, out object? value)
    {
        value = null;
        switch (e)
        {
            case BoundLiteral { Type: PrimitiveType } lit:
                value = lit.Value;
                return true;
            case BoundEnumMember m:
                value = m.Member;
                return true;
            case BoundParamRef p:
                if (paramValue is not null)
                {
                    value = paramValue(p.Param);
                    return true;
                }

                return p.Param.Default is { } d && TryEvaluate(d, null, out value);
            case BoundUnary u when TryEvaluate(u.Operand, paramValue, out var operand):
                value = u.Operator == UnaryOperator.Not ? !(bool)operand! : operand switch
                {
                    long l => -l,
                    double dbl => -dbl,
                    _ => null,
                };
                return value is not null;
            case BoundBinary b when TryEvaluate(b.Left, paramValue, out var l) && TryEvaluate(b.Right, paramValue, out var r):
                return TryBinary(b.Operator, l, r, out value);
            case BoundList list:
                var items = new List<object?>();
                foreach (var item in list.Items)
                {
                    if (!TryEvaluate(item, paramValue, out var v))
                    {
                        return false;
                    }

                    items.Add(v);
                }

                value = items;
                return true;
            case BoundRecord record:
                var fields = new List<KeyValuePair<string, object?>>();
                foreach (var f in record.Fields)
                {
                    if (!TryEvaluate(f.Value, paramValue, out var v))
                    {
                        return false;
                    }

                    fields.Add(new(f.Key, v));
                }

                value = fields;
                return true;
            case BoundString s:
                var sb = new System.Text.StringBuilder();
                foreach (var part in s.Parts)
                {
                    if (!TryEvaluate(part, paramValue, out var v))
                    {
                        return false;
                    }

                    sb.Append(ToText(v));
                }

                value = sb.ToString();
                return true;
            default:
                return false;
        }
    }

    public static string ToText(object? v) => v switch
    {
        null => "",
        bool b => b ? "true" : "false",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        double d => MLOps.Plan.PlanNumbers.Format(d),
        _ => v.ToString() ?? "",
    };

    private static bool TryBinary(BinaryOperator op, object? l, object? r, out object? value)
    {
        value = null;
        if (op is BinaryOperator.And or BinaryOperator.Or && l is bool lb && r is bool rb)
        {
            value = op == BinaryOperator.And ? lb && rb : lb || rb;
            return true;
        }

        if (op is BinaryOperator.Equal or BinaryOperator.NotEqual)
        {
            var eq = Equals(l, r) || (IsNumber(l) && IsNumber(r) && ToDouble(l) == ToDouble(r));
            value = op == BinaryOperator.Equal ? eq : !eq;
            return true;
        }

        if (l is string ls && r is string rs)
        {
            if (op == BinaryOperator.Add)
            {
                value = ls + rs;
                return true;
            }

            var c = string.CompareOrdinal(ls, rs);
            return TryCompare(op, c, out value);
        }

        if (!IsNumber(l) || !IsNumber(r))
        {
            return false;
        }

        if (l is long li && r is long ri && op != BinaryOperator.Divide)
        {
            switch (op)
            {
                case BinaryOperator.Add:
                    value = li + ri;
                    return true;
                case BinaryOperator.Subtract:
                    value = li - ri;
                    return true;
                case BinaryOperator.Multiply:
                    value = li * ri;
                    return true;
                case BinaryOperator.Modulo:
                    if (ri == 0)
                    {
                        return false;
                    }

                    value = li % ri;
                    return true;
            }
        }

        var ld = ToDouble(l);
        var rd = ToDouble(r);
        switch (op)
        {
            case BinaryOperator.Add:
                value = ld + rd;
                return true;
            case BinaryOperator.Subtract:
                value = ld - rd;
                return true;
            case BinaryOperator.Multiply:
                value = ld * rd;
                return true;
            case BinaryOperator.Divide:
                value = ld / rd;
                return true;
            case BinaryOperator.Modulo:
                value = ld % rd;
                return true;
            default:
                return TryCompare(op, ld.CompareTo(rd), out value);
        }
    }

    private static bool TryCompare(BinaryOperator op, int c, out object? value)
    {
        value = op switch
        {
            BinaryOperator.Less => c < 0,
            BinaryOperator.LessOrEqual => c <= 0,
            BinaryOperator.Greater => c > 0,
            BinaryOperator.GreaterOrEqual => c >= 0,
            _ => null,
        };
        return value is not null;
    }

    private static bool IsNumber(object? v) => v is long or double;

    public static double ToDouble(object? v) => v is long l ? l : v is double d ? d : double.NaN;
}
