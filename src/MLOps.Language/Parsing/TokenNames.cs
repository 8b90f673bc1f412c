using System.Collections.Generic;
using System.Linq;
using Antlr4.Runtime;
using Antlr4.Runtime.Misc;
using MLOps.Language.Parsing.Generated;

namespace MLOps.Language.Parsing;

/// <summary>How tokens are named in messages: what people type, not grammar symbols.</summary>
internal static class TokenNames
{
    public static string Describe(IntervalSet? expected)
    {
        if (expected is null)
        {
            return "";
        }

        var names = new List<string>();
        var types = expected.ToList();
        if (types.Contains(MlpLexer.IDENT))
        {
            // Soft keywords are names too: "a name" covers them.
            types = [.. types.Where(t => t == MlpLexer.IDENT || !SoftKeywords.Contains(t))];
        }

        foreach (var type in types)
        {
            var name = Name(type);
            if (name is not null && !names.Contains(name))
            {
                names.Add(name);
            }
        }

        if (names.Count > 8)
        {
            // A long list helps nobody: keep the structural ones.
            var structural = names.Where(n => n.StartsWith("'", System.StringComparison.Ordinal) && n.Length <= 4).Take(6).ToList();
            names = structural.Count > 0 ? [.. structural, "something else"] : [.. names.Take(8), "something else"];
        }

        return names.Count switch
        {
            0 => "",
            1 => names[0],
            _ => string.Join(", ", names.Take(names.Count - 1)) + " or " + names[names.Count - 1],
        };
    }

    private static readonly HashSet<int> SoftKeywords =
    [
        MlpLexer.AS, MlpLexer.OVER, MlpLexer.MODEL, MlpLexer.WITH, MlpLexer.APPROVAL, MlpLexer.FROM, MlpLexer.ON, MlpLexer.PASS,
        MlpLexer.FAIL, MlpLexer.ALIAS, MlpLexer.TAG, MlpLexer.NOTIFY, MlpLexer.MAXIMIZE, MlpLexer.MINIMIZE, MlpLexer.TYPE,
        MlpLexer.ARTIFACT, MlpLexer.PARAM, MlpLexer.TARGET, MlpLexer.STEP, MlpLexer.PIPELINE, MlpLexer.SWEEP, MlpLexer.POLICY,
        MlpLexer.REQUIRE, MlpLexer.YIELD,
    ];

    public static string? Name(int type) => type switch
    {
        TokenConstants.EOF => "the end of the file",
        MlpLexer.IDENT => "a name",
        MlpLexer.STRING => "a string",
        MlpLexer.INT => "a number",
        MlpLexer.FLOAT => "a number",
        MlpLexer.DURATION => "a duration",
        MlpLexer.SIZE => "a size",
        MlpLexer.UNTERMINATED_STRING or MlpLexer.ERROR_CHAR or MlpLexer.WS or MlpLexer.LINE_COMMENT or MlpLexer.BLOCK_COMMENT => null,
        _ => MlpLexer.DefaultVocabulary.GetLiteralName(type),
    };
}
