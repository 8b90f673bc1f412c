using System.Text;
using MLOps.Language.Formatting;
using MLOps.Language.Parsing;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Tests.Formatting;

public sealed class FormatterTests
{
    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string> { "churn" };
        foreach (var file in RepoFiles.MlpFiles("examples", "stdlib", "tests/MLOps.Language.Tests/Cases"))
        {
            data.Add(Path.GetRelativePath(RepoFiles.Root, file));
        }

        return data;
    }

    private static string Read(string name) => name == "churn" ? TestSources.Churn : File.ReadAllText(Path.Combine(RepoFiles.Root, name));

    [Theory]
    [MemberData(nameof(Sources))]
    public void Formatting_is_idempotent_keeps_comments_and_meaning(string name)
    {
        var text = Read(name);
        var parsed = SyntaxParser.Parse(new SourceFile(name, text));
        if (parsed.Diagnostics.Any(d => d.IsError))
        {
            return; // cases with syntax errors are not formatted (mlpc fmt refuses them)
        }

        var once = Formatter.Format(parsed.Root);
        var reparsed = SyntaxParser.Parse(new SourceFile(name, once));
        Assert.Empty(reparsed.Diagnostics.Where(d => d.IsError));
        var twice = Formatter.Format(reparsed.Root);
        Assert.Equal(once, twice);
        Assert.Equal(Shape(parsed.Root), Shape(reparsed.Root));
        Assert.Equal(parsed.Root.Comments.Select(c => c.Text.TrimEnd()), reparsed.Root.Comments.Select(c => c.Text.TrimEnd()));
    }

    [Fact]
    public void Canonical_layout_aligns_properties_and_keeps_trailing_comments()
    {
        const string source = "step fit(x: int)->(m: Model){\nrun=\"a ${x} ${out.m}\" // the command\n  timeout   =   2h\n}\n// last words\n";
        var formatted = Formatter.Format(SyntaxParser.Parse(new SourceFile("a.mlp", source)).Root);
        Assert.Equal("step fit(x: int) -> (m: Model) {\n  run     = \"a ${x} ${out.m}\" // the command\n  timeout = 2h\n}\n// last words\n", formatted);
    }

    /// <summary>The tree without spans: what the program means, not where it was written.</summary>
    private static string Shape(SyntaxNode node)
    {
        var sb = new StringBuilder();
        foreach (var n in node.DescendantsAndSelf())
        {
            sb.Append(n.GetType().Name);
            switch (n)
            {
                case NameSyntax name:
                    sb.Append(':').Append(name.Text);
                    break;
                case LiteralSyntax lit:
                    sb.Append(':').Append(lit.Text);
                    break;
                case StringTextSyntax t:
                    sb.Append(':').Append(t.Value);
                    break;
                case BinarySyntax b:
                    sb.Append(':').Append(b.Operator);
                    break;
                case UnarySyntax u:
                    sb.Append(':').Append(u.Operator);
                    break;
            }

            sb.Append(' ');
        }

        return sb.ToString();
    }
}
