using System.Collections.Generic;

namespace MLOps.Language.Collections;

/// <summary>
/// An append-only list stored in fixed chunks kept below the large-object threshold: growing it
/// never copies, and a list of a million items does not land on the large-object heap, whose
/// allocations trigger full collections while a compilation's tree is still being built.
/// </summary>
internal sealed class ChunkedList<T>
{
    // 2048 items of up to 32 bytes stay under the runtime's 85,000-byte large-object threshold.
    private const int Shift = 11;
    private const int ChunkSize = 1 << Shift;
    private const int Mask = ChunkSize - 1;

    private readonly List<T[]> chunks = [];
    private T[] last = [];

    public int Count { get; private set; }

    public T this[int index] => chunks[index >> Shift][index & Mask];

    public void Add(T item)
    {
        var slot = Count & Mask;
        if (slot == 0)
        {
            last = new T[ChunkSize];
            chunks.Add(last);
        }

        last[slot] = item;
        Count++;
    }
}
