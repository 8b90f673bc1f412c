using System.Runtime;
using System.Text;

namespace MLOps.Language.Tests;

/// <summary>Not run in parallel with other tests: the runtime's no-GC region is process-wide.</summary>
[CollectionDefinition(nameof(LargeCompileTests), DisableParallelization = true)]
public sealed class LargeCompileCollection
{
}

/// <summary>
/// Large compiles run in a no-GC region (NoCollectionRegion): the result must be what any compile
/// gives, and the runtime must be left as it was, also when the host is in a region of its own.
/// </summary>
[Collection(nameof(LargeCompileTests))]
public sealed class LargeCompileTests
{
    [Fact]
    public void LargeModuleChecksAndLeavesNoRegion()
    {
        var compilation = Compilation.FromText("large.mlp", LargeModule(withError: true));

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        var error = Assert.Single(compilation.Diagnostics);
        Assert.Equal("MLP2001", error.Code);
        Assert.Equal("nowhere", error.Span.Text);
        Assert.Equal(compilation.EntryModule.File.LineCount - 3, error.Span.Start.Line);
    }

    [Fact]
    public void LargeModuleInsideTheHostsRegion()
    {
        var text = LargeModule(withError: false);
        Assert.True(GC.TryStartNoGCRegion(16 * 1024 * 1024));
        try
        {
            var compilation = Compilation.FromText("large.mlp", text);
            Assert.Empty(compilation.Diagnostics);
        }
        finally
        {
            // The compile allocated past the host's region, so the runtime has ended it.
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }

        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
    }

    /// <summary>About 2 MB of source: past the size where a compile gets its region.</summary>
    private static string LargeModule(bool withError)
    {
        var sb = new StringBuilder("param data: path = \"data.csv\"\n\n");
        for (var i = 0; i < 16_000; i++)
        {
            sb.Append("step prepare").Append(i).Append("(source: path) -> (result: Dataset) {\n  run = \"python3 prepare.py --in ${source} --out ${out.result}\"\n}\n\n");
        }

        sb.Append("pipeline main() -> (a: Dataset, b: Dataset) {\n  let d = prepare0(source: data)\n");
        sb.Append(withError ? "  let e = prepare1(source: nowhere)\n" : "  let e = prepare1(source: data)\n");
        sb.Append("  return { a: d.result, b: e.result }\n}\n");
        return sb.ToString();
    }
}
