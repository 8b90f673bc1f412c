using System.Text;
using System.Text.RegularExpressions;
using MLOps.Plan;
using MLOps.Runtime.Values;

namespace MLOps.Runtime.Scheduling;

/// <summary>
/// Fills a command template's placeholders (docs/plan.md): <c>{{in.NAME}}</c> and
/// <c>{{in.NAME.field}}</c> with the input's value, <c>{{out.NAME}}</c> with where the output
/// goes, <c>{{env.NAME}}</c> from the environment; each shell-quoted.
/// </summary>
internal static partial class CommandRenderer
{
    [GeneratedRegex(@"\{\{(in|out|env)\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}\}")]
    private static partial Regex Placeholder();

    public static string Render(string template, IReadOnlyDictionary<string, PlanValue> inputs, IReadOnlyDictionary<string, string> outputPaths, bool quote = true)
    {
        if (!template.Contains("{{", StringComparison.Ordinal))
        {
            return template;
        }

        return Placeholder().Replace(template, m =>
        {
            var parts = m.Groups[2].Value.Split('.');
            string text;
            switch (m.Groups[1].Value)
            {
                case "in":
                    var value = inputs.TryGetValue(parts[0], out var v)
                        ? ExprEvaluator.Walk(v, parts[1..])
                        : throw new RuntimeEvaluationException($"the command reads input '{parts[0]}', which the step does not have");
                    return quote ? RuntimeValues.ToShellWord(value) : Unquoted(value);
                case "out":
                    text = outputPaths.TryGetValue(parts[0], out var path)
                        ? path
                        : throw new RuntimeEvaluationException($"the command writes output '{parts[0]}', which the step does not declare");
                    break;
                default:
                    text = Environment.GetEnvironmentVariable(m.Groups[2].Value) ?? "";
                    break;
            }

            return quote ? RuntimeValues.Quote(text) : text;
        });
    }

    private static string Unquoted(PlanValue value) => value is ListValue or MapValue ? RuntimeValues.ToJson(value) : value.ToCommandText();
}
