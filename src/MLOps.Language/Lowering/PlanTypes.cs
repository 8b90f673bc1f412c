using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Binding;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

/// <summary>Converts checked types and constants into their plan form.</summary>
internal static class PlanTypes
{
    public static PlanType From(MlpType type) => type switch
    {
        PrimitiveType p => new ScalarPlanType(p.Name),
        ArtifactType a => new ArtifactPlanType(a.Name),
        ListType l => new ListPlanType(From(l.Element)),
        MapType m => new MapPlanType(From(m.Value)),
        OptionalType o => new OptionalPlanType(From(o.Inner)),
        EnumType e => new EnumPlanType(e.Name, e.Members),
        RecordType r => new RecordPlanType(r.Name ?? "record", [.. r.Fields.Select(f => new PlanField(f.Name, From(f.Type)))]),
        _ => new ScalarPlanType("string"),
    };

    /// <summary>A folded constant (see <see cref="ConstantEvaluator"/>) as a plan value of the given type.</summary>
    public static PlanValue Value(object? value, MlpType type)
    {
        if (type is OptionalType o)
        {
            type = o.Inner;
        }

        switch (value)
        {
            case null:
                return PlanValue.Null;
            case bool b:
                return PlanValue.Of(b);
            case long l when type == PrimitiveType.Float || type == PrimitiveType.Duration:
                return PlanValue.Of((double)l);
            case long l:
                return PlanValue.Of(l);
            case double d when type == PrimitiveType.Size || type == PrimitiveType.Int:
                return PlanValue.Of((long)d);
            case double d:
                return PlanValue.Of(d);
            case string s:
                return PlanValue.Of(s);
            case List<object?> list:
                var element = type is ListType lt ? lt.Element : ErrorType.Instance;
                return new ListValue([.. list.Select(i => Value(i, element))]);
            case List<KeyValuePair<string, object?>> record:
                return new MapValue([.. record.Select(f => new KeyValuePair<string, PlanValue>(f.Key, Value(f.Value, FieldType(type, f.Key))))]);
            default:
                return PlanValue.Of(value.ToString() ?? "");
        }
    }

    private static MlpType FieldType(MlpType type, string field) => type switch
    {
        RecordType r => r.Find(field)?.Type ?? ErrorType.Instance,
        MapType m => m.Value,
        _ => ErrorType.Instance,
    };

    public static ImmutableArray<string> Path(OutputRefExpr o, string field) => o.Path.IsDefault ? [field] : o.Path.Add(field);
}
