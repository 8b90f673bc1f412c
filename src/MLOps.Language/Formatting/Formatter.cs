// Placeholder until the parser branch lands; replaced on merge.
namespace MLOps.Language.Formatting;

public static class Formatter
{
    public static string Format(MLOps.Language.Syntax.CompilationUnitSyntax root) => root.File.Text;
}
