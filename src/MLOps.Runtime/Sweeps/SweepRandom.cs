namespace MLOps.Runtime.Sweeps;

/// <summary>
/// The sweep engine's random numbers: xoshiro256** seeded through SplitMix64. Our own generator
/// rather than <see cref="System.Random"/>, whose algorithm may change between .NET versions and
/// would silently change which trials a seeded sweep proposes. Every trial draws from its own
/// stream (<see cref="ForStream"/>), so a proposal depends only on the seed, the trial number and
/// the history it is given, never on how many numbers earlier trials consumed.
/// </summary>
public sealed class SweepRandom
{
    private ulong s0;
    private ulong s1;
    private ulong s2;
    private ulong s3;

    private SweepRandom(ulong seed)
    {
        var sm = seed;
        s0 = SplitMix64(ref sm);
        s1 = SplitMix64(ref sm);
        s2 = SplitMix64(ref sm);
        s3 = SplitMix64(ref sm);
    }

    public static SweepRandom FromSeed(ulong seed) => new(seed);

    /// <summary>An independent stream for one (seed, stream) pair, e.g. (sweep seed, trial number).</summary>
    public static SweepRandom ForStream(ulong seed, ulong stream)
    {
        var a = seed;
        var b = stream ^ 0xD1B54A32D192ED03UL;
        return new SweepRandom(SplitMix64(ref a) ^ SplitMix64(ref b) * 0x9E3779B97F4A7C15UL);
    }

    public ulong NextUInt64()
    {
        var result = RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [low, high).</summary>
    public double NextDouble(double low, double high)
    {
        var x = low + (high - low) * NextDouble();
        return x < high ? x : Math.BitDecrement(high);
    }

    /// <summary>Uniform integer in [0, count), without modulo bias (Lemire's method).</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var n = (ulong)count;
        var m = (UInt128)NextUInt64() * n;
        var low = (ulong)m;
        if (low < n)
        {
            var threshold = (0 - n) % n;
            while (low < threshold)
            {
                m = (UInt128)NextUInt64() * n;
                low = (ulong)m;
            }
        }

        return (int)(m >> 64);
    }

    /// <summary>Index drawn with probability proportional to <paramref name="weights"/> (non-negative, positive sum).</summary>
    public int NextWeighted(ReadOnlySpan<double> weights, double total)
    {
        var u = NextDouble() * total;
        var acc = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            acc += weights[i];
            if (u < acc)
            {
                return i;
            }
        }

        // Rounding left u at or above the last partial sum: take the last positive weight.
        for (var i = weights.Length - 1; i >= 0; i--)
        {
            if (weights[i] > 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
