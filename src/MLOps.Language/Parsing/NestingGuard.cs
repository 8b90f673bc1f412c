using System.Collections.Generic;
using Antlr4.Runtime;
using MLOps.Language.Diagnostics;
using MLOps.Language.Parsing.Generated;
using MLOps.Language.Text;

namespace MLOps.Language.Parsing;

/// <summary>
/// A token-level pre-scan: brackets and runs of prefix operators nested deeper than
/// <see cref="SyntaxParser.MaxNesting"/> are reported at the token where the limit is passed,
/// so the recursive parser never sees input that could exhaust the stack.
/// </summary>
internal static class NestingGuard
{
    public static bool Check(SourceFile file, List<IToken> tokens, DiagnosticBag diagnostics)
    {
        var depth = 0;
        var prefixRun = 0;
        var previous = -1;
        foreach (var t in tokens)
        {
            if (t.Channel != TokenConstants.DefaultChannel)
            {
                continue;
            }

            switch (t.Type)
            {
                case MlpLexer.LPAREN or MlpLexer.LBRACK or MlpLexer.LBRACE:
                    depth++;
                    break;
                case MlpLexer.RPAREN or MlpLexer.RBRACK or MlpLexer.RBRACE:
                    depth = depth > 0 ? depth - 1 : 0;
                    break;
            }

            var isPrefix = t.Type == MlpLexer.NOT || (t.Type == MlpLexer.MINUS && !EndsOperand(previous));
            prefixRun = isPrefix ? prefixRun + 1 : 0;
            if (depth + prefixRun > SyntaxParser.MaxNesting)
            {
                diagnostics.Report(DiagnosticCatalog.NestingTooDeep, SyntaxParser.Span(file, t), SyntaxParser.MaxNesting);
                return true;
            }

            previous = t.Type;
        }

        return false;
    }

    private static bool EndsOperand(int type) => type is MlpLexer.IDENT or MlpLexer.INT or MlpLexer.FLOAT or MlpLexer.DURATION or MlpLexer.SIZE
        or MlpLexer.STRING or MlpLexer.TRUE or MlpLexer.FALSE or MlpLexer.NONE or MlpLexer.RPAREN or MlpLexer.RBRACK or MlpLexer.RBRACE;
}
