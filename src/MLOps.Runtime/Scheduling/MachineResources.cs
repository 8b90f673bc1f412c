using System.Globalization;
using MLOps.Plan;

namespace MLOps.Runtime.Scheduling;

/// <summary>What the local machine offers steps on the local target: cores, memory and declared GPUs.</summary>
public sealed record MachineResources(double Cpu, long MemoryBytes, int Gpu)
{
    /// <summary>
    /// This machine: its cores, the memory /proc/meminfo reports, and the GPUs named by
    /// <c>MLPC_GPUS</c> (a count; GPUs are declared, not probed, so a laptop without drivers can
    /// still run CPU pipelines and a GPU step is refused up front instead of failing later).
    /// </summary>
    public static MachineResources Detect()
    {
        long memory = 0;
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null)
            {
                memory = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }

        var gpus = int.TryParse(Environment.GetEnvironmentVariable("MLPC_GPUS"), CultureInfo.InvariantCulture, out var g) ? g : 0;
        return new MachineResources(Environment.ProcessorCount, memory, gpus);
    }

    /// <summary>Why a step can never run here (null when it can): asked before anything starts.</summary>
    public string? WhyCannotFit(PlanResources request)
    {
        if (request.Gpu > Gpu)
        {
            return $"asks for {request.Gpu} GPU(s) but this machine declares {Gpu} (set MLPC_GPUS to the number of GPUs, or run it on a cluster target)";
        }

        if (MemoryBytes > 0 && request.MemoryBytes > MemoryBytes)
        {
            return $"asks for {Sizes.Format(request.MemoryBytes)} of memory but this machine has {Sizes.Format(MemoryBytes)}";
        }

        return null;
    }
}

/// <summary>Admission of local steps: a step starts when its cores, memory and GPUs are free.</summary>
internal sealed class ResourcePool(MachineResources capacity)
{
    private readonly bool[] gpuBusy = new bool[capacity.Gpu];
    private double cpu;
    private long memory;
    private int gpu;
    private int running;

    /// <summary>Takes the resources when they are free; <paramref name="gpus"/> are the device indices assigned.</summary>
    public bool TryTake(PlanResources r, out int[] gpus)
    {
        gpus = [];
        // A step asking for more cores than the machine has runs alone rather than never.
        var cpuNeed = Math.Min(r.Cpu, capacity.Cpu);
        var fits = running == 0 || (cpu + cpuNeed <= capacity.Cpu + 1e-9
            && (capacity.MemoryBytes == 0 || memory + r.MemoryBytes <= capacity.MemoryBytes)
            && gpu + r.Gpu <= capacity.Gpu);
        if (!fits)
        {
            return false;
        }

        cpu += cpuNeed;
        memory += r.MemoryBytes;
        gpu += r.Gpu;
        running++;
        gpus = [.. Enumerable.Range(0, gpuBusy.Length).Where(i => !gpuBusy[i]).Take(r.Gpu)];
        foreach (var i in gpus)
        {
            gpuBusy[i] = true;
        }

        return true;
    }

    public void Release(PlanResources r, int[] gpus)
    {
        foreach (var i in gpus)
        {
            gpuBusy[i] = false;
        }

        cpu -= Math.Min(r.Cpu, capacity.Cpu);
        memory -= r.MemoryBytes;
        gpu -= r.Gpu;
        running--;
    }
}

internal static class Sizes
{
    public static string Format(long bytes) =>
        bytes >= 1L << 30 ? (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";
}
