using System;
using System.Runtime;

namespace MLOps.Language;

/// <summary>
/// A large check allocates a tree, a bound program and a semantic model that all live as long as
/// the compilation. A collection during the compile frees almost nothing and copies everything
/// allocated so far (gen0 to gen1, later to gen2): for a 100k-line module, about half of a warm
/// check's CPU time. Large compiles therefore run in a no-GC region sized from the source text:
/// the runtime collects once when it is entered (in a host, mostly the previous compile's garbage;
/// in the CLI, a nearly empty heap) and then not until the compile is done.
/// </summary>
internal static class NoCollectionRegion
{
    // A check allocates about 30 bytes per character of source (docs/performance.md, Compiler);
    // the headroom keeps a denser module inside the region. Past the region's size the runtime
    // simply collects again, as without one.
    private const long BytesPerCharacter = 48;

    // Smaller compiles fit in the first generation's budget anyway, and a collection on entry
    // would cost a host with a large heap more than the compile saves.
    private const long MinimumBytes = 64L * 1024 * 1024;

    private const long MaximumBytes = 1024L * 1024 * 1024;

    /// <summary>Enters a region for a compile of <paramref name="characters"/> characters; false when it is small or a region cannot be had.</summary>
    public static bool TryEnter(long characters)
    {
        var bytes = characters * BytesPerCharacter;
        if (bytes < MinimumBytes || GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
        {
            return false;
        }

        try
        {
            return GC.TryStartNoGCRegion(Math.Min(bytes, MaximumBytes));
        }
        catch (InvalidOperationException)
        {
            // Another thread's region (the host's, or a concurrent compile's).
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            // More than this runtime allows in one region.
            return false;
        }
    }

    public static void Exit(bool entered)
    {
        if (!entered || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion)
        {
            // Not entered, or already left: the compile (or another thread) allocated past the
            // region's size and the runtime collected.
            return;
        }

        try
        {
            GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // Left between the check and the call.
        }
    }
}
