// Placeholder until the parser branch lands; replaced on merge.
using System.Collections.Immutable;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Parsing;

public sealed record ParseResult(CompilationUnitSyntax Root, ImmutableArray<Diagnostic> Diagnostics);

public static class SyntaxParser
{
    public static ParseResult Parse(SourceFile file) => throw new System.NotImplementedException();
}
