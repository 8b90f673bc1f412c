using System.Text.RegularExpressions;
using MLOps.Language.Diagnostics;
using MLOps.Language.Tests.Baselines;

namespace MLOps.Language.Tests.Catalog;

public sealed class CatalogTests
{
    [Fact]
    public void Every_code_is_unique_and_well_formed()
    {
        var codes = DiagnosticCatalog.All.Select(d => d.Code).ToList();
        Assert.Equal(codes.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches(@"^MLP[1-6]\d{3}$", c));
        Assert.True(codes.Count >= 40);
    }

    [Fact]
    public void Every_code_is_documented_with_an_example_and_a_fix()
    {
        var doc = File.ReadAllText(Path.Combine(RepoFiles.Root, "docs", "diagnostics.md"));
        var sections = Regex.Split(doc, @"^## ", RegexOptions.Multiline);
        foreach (var d in DiagnosticCatalog.All)
        {
            var section = sections.FirstOrDefault(s => s.StartsWith(d.Code + ":", StringComparison.Ordinal));
            Assert.True(section is not null, $"docs/diagnostics.md has no section '## {d.Code}: {d.Title}'");
            Assert.True(Regex.Matches(section!, "```mlp").Count >= 2, $"{d.Code} needs a wrong example and its fix (two ```mlp blocks)");
        }
    }

    [Fact]
    public void Every_code_is_produced_by_a_case()
    {
        var produced = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(CaseTests.CasesRoot, "*.diagnostics.txt", SearchOption.AllDirectories))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"(?:error|warning) (MLP\d{4}):"))
            {
                produced.Add(m.Groups[1].Value);
            }
        }

        var missing = DiagnosticCatalog.All.Select(d => d.Code).Where(c => !produced.Contains(c)).ToList();
        Assert.True(missing.Count == 0, "no case produces: " + string.Join(", ", missing));
    }

    [Fact]
    public void There_are_at_least_eighty_cases()
    {
        Assert.True(CaseTests.CaseFiles().Count() >= 80, $"only {CaseTests.CaseFiles().Count()} cases");
    }
}
