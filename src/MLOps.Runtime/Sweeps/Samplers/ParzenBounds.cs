namespace MLOps.Runtime.Sweeps.Samplers;

/// <summary>
/// Where a numeric dimension lives for sampling: log space for log scales; integers widened by half
/// a step on each side so every grid value gets the same share (Optuna's convention). Also the
/// discretisation step TPE's likelihood uses (null when the density is continuous).
/// </summary>
internal readonly record struct ParzenBounds(double Low, double High, double? Step)
{
    public static ParzenBounds Of(FloatDimension f) =>
        f.Log ? new(Math.Log(f.Low), Math.Log(f.High), null) : new(f.Low, f.High, null);

    public static ParzenBounds Of(IntDimension i)
    {
        if (i.Log)
        {
            // Half a step each side in value space, but never reaching zero (log of it).
            var half = 0.5 * Math.Min(i.Step, i.Low);
            return new(Math.Log(i.Low - half), Math.Log(i.Top + 0.5 * i.Step), null);
        }

        return new(i.Low - 0.5 * i.Step, i.Top + 0.5 * i.Step, i.Step);
    }

    /// <summary>A dimension value in sampling space.</summary>
    public static double ToInternal(SearchDimension d, double value) => d switch
    {
        FloatDimension { Log: true } or IntDimension { Log: true } => Math.Log(value),
        _ => value,
    };

    /// <summary>A sampling-space number back to a dimension value, clamped and snapped to the grid.</summary>
    public static double FromInternal(FloatDimension f, double x) => Math.Clamp(f.Log ? Math.Exp(x) : x, f.Low, f.High);

    public static double FromInternal(IntDimension i, double x) => i.Snap(i.Log ? Math.Exp(x) : x);
}
