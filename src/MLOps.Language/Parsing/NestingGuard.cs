using System.Collections.Generic;
using Antlr4.Runtime;
using MLOps.Language.Diagnostics;
using MLOps.Language.Parsing.Generated;
using MLOps.Language.Text;

namespace MLOps.Language.Parsing;

/// <summary>
/// A token-level pre-scan: brackets and runs of prefix operators nested deeper than
/// <see cref="SyntaxParser.MaxNesting"/> are reported at the token where the limit is passed,
/// so neither recursive parser ever sees input that could exhaust the stack.
/// </summary>
internal static class NestingGuard
{
    public static bool Check(SourceFile file, List<IToken> tokens, DiagnosticBag diagnostics)
    {
        var counter = default(NestingCounter);
        foreach (var t in tokens)
        {
            if (t.Channel == TokenConstants.DefaultChannel && counter.TooDeepAfter(t.Type))
            {
                diagnostics.Report(DiagnosticCatalog.NestingTooDeep, SyntaxParser.Span(file, t), SyntaxParser.MaxNesting);
                return true;
            }
        }

        return false;
    }

    /// <summary>The same scan over the hand lexer's tokens (default channel only, so no filter).</summary>
    public static bool Check(SourceFile file, List<Lexeme> tokens, DiagnosticBag diagnostics)
    {
        var counter = default(NestingCounter);
        foreach (var t in tokens)
        {
            if (counter.TooDeepAfter(t.Type))
            {
                diagnostics.Report(DiagnosticCatalog.NestingTooDeep, SyntaxParser.Span(file, t.Start, t.Stop), SyntaxParser.MaxNesting);
                return true;
            }
        }

        return false;
    }

    private struct NestingCounter
    {
        private int depth;
        private int prefixRun;
        private int previous;

        public bool TooDeepAfter(int type)
        {
            switch (type)
            {
                case MlpLexer.LPAREN or MlpLexer.LBRACK or MlpLexer.LBRACE:
                    depth++;
                    break;
                case MlpLexer.RPAREN or MlpLexer.RBRACK or MlpLexer.RBRACE:
                    depth = depth > 0 ? depth - 1 : 0;
                    break;
            }

            var isPrefix = type == MlpLexer.NOT || (type == MlpLexer.MINUS && !EndsOperand(previous));
            prefixRun = isPrefix ? prefixRun + 1 : 0;
            previous = type;
            return depth + prefixRun > SyntaxParser.MaxNesting;
        }
    }

    private static bool EndsOperand(int type) => type is MlpLexer.IDENT or MlpLexer.INT or MlpLexer.FLOAT or MlpLexer.DURATION or MlpLexer.SIZE
        or MlpLexer.STRING or MlpLexer.TRUE or MlpLexer.FALSE or MlpLexer.NONE or MlpLexer.RPAREN or MlpLexer.RBRACK or MlpLexer.RBRACE;
}
