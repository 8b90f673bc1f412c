using MLOps.Tracking.Artifacts;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Runs;

namespace MLOps.Tracking;

/// <summary>The three stores behind one store URI. Disposing closes them.</summary>
public sealed class TrackingStores(string uri, ITrackingStore runs, IModelRegistry registry, IArtifactStore artifacts) : IAsyncDisposable
{
    public string Uri { get; } = uri;

    public ITrackingStore Runs { get; } = runs;

    public IModelRegistry Registry { get; } = registry;

    public IArtifactStore Artifacts { get; } = artifacts;

    public async ValueTask DisposeAsync()
    {
        await Runs.DisposeAsync();
        await Registry.DisposeAsync();
        (Artifacts as IDisposable)?.Dispose();
    }
}
