namespace MLOps.Tracking;

/// <summary>A write that contradicts what is stored (e.g. a parameter logged twice with different values).</summary>
public sealed class TrackingConflictException(string message) : Exception(message);

/// <summary>A run, model or artifact that the operation needs does not exist.</summary>
public sealed class TrackingNotFoundException(string message) : Exception(message);

/// <summary>A store URI that cannot be opened: unknown scheme, bad path, newer schema.</summary>
public sealed class TrackingStoreException(string message, Exception? inner = null) : Exception(message, inner);
