using System.Text.Json;
using MLOps.Plan;

namespace MLOps.Runtime.Contract;

/// <summary>
/// Checks what a step wrote against the output types in the plan, after the step ends: artifacts
/// must exist; record and scalar outputs are JSON files whose values must fit the declared type.
/// Every problem names the file, the field and the expected type, so nothing malformed reaches
/// the registry.
/// </summary>
public static class OutputValidator
{
    public static IReadOnlyList<string> Validate(string output, PlanType type, string path)
    {
        var errors = new List<string>();
        if (type is ArtifactPlanType artifact)
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                errors.Add($"output '{output}' ({artifact.Name}): the step did not write {path}");
            }

            return errors;
        }

        if (!File.Exists(path))
        {
            errors.Add($"output '{output}' ({type.Display}): the step did not write {path}");
            return errors;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            errors.Add($"output '{output}' ({type.Display}): {path} is not valid JSON: {e.Message}");
            return errors;
        }

        using (doc)
        {
            Check(doc.RootElement, type, path, output, errors);
        }

        return errors;
    }

    private static void Check(JsonElement value, PlanType type, string file, string at, List<string> errors)
    {
        void Fail(string found) => errors.Add($"{file}: '{at}' should be {type.Display} but is {found}");
        switch (type)
        {
            case OptionalPlanType o:
                if (value.ValueKind != JsonValueKind.Null)
                {
                    Check(value, o.Inner, file, at, errors);
                }

                return;
            case ScalarPlanType { Name: "int" } when value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out _):
            case ScalarPlanType { Name: "float" or "duration" } when value.ValueKind != JsonValueKind.Number:
            case ScalarPlanType { Name: "size" } when value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out _):
            case ScalarPlanType { Name: "bool" } when value.ValueKind is not (JsonValueKind.True or JsonValueKind.False):
            case ScalarPlanType { Name: "string" or "path" } when value.ValueKind != JsonValueKind.String:
            case ArtifactPlanType when value.ValueKind != JsonValueKind.String:
                Fail(Describe(value));
                return;
            case EnumPlanType e when value.ValueKind != JsonValueKind.String || !e.Members.Contains(value.GetString()!):
                Fail(Describe(value) + $" (one of {string.Join(", ", e.Members)} expected)");
                return;
            case ListPlanType l:
                if (value.ValueKind != JsonValueKind.Array)
                {
                    Fail(Describe(value));
                    return;
                }

                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Check(item, l.Element, file, $"{at}[{i++}]", errors);
                }

                return;
            case MapPlanType m:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    Fail(Describe(value));
                    return;
                }

                foreach (var p in value.EnumerateObject())
                {
                    Check(p.Value, m.Value, file, $"{at}.{p.Name}", errors);
                }

                return;
            case RecordPlanType r:
                if (value.ValueKind != JsonValueKind.Object)
                {
                    Fail(Describe(value));
                    return;
                }

                foreach (var field in r.Fields)
                {
                    if (value.TryGetProperty(field.Name, out var fv))
                    {
                        Check(fv, field.Type, file, $"{at}.{field.Name}", errors);
                    }
                    else if (field.Type is not OptionalPlanType)
                    {
                        errors.Add($"{file}: '{at}.{field.Name}' ({field.Type.Display}) is missing");
                    }
                }

                return;
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{value.GetString()}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        _ => "an object",
    };
}
