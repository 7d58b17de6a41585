using System.Collections;
using GenPipe.Tensors;

namespace GenPipe.Core.Memory;

/// <summary>
/// About how many bytes a step output holds, for counting it against the memory budget: tensors and arrays by their
/// elements, strings by their characters, collections by their items; anything else a small constant.
/// </summary>
internal static class ValueBytes
{
    private const long ObjectBytes = 64;

    public static long Of(object? value) => Of(value, depth: 0);

    private static long Of(object? value, int depth) => value switch
    {
        null => 0,
        Tensor tensor => (long)tensor.Storage.Length * sizeof(float),
        string text => ObjectBytes + ((long)text.Length * sizeof(char)),
        Array { Rank: 1 } array when array.GetType().GetElementType() is { IsPrimitive: true } element =>
            ObjectBytes + ((long)array.Length * System.Runtime.InteropServices.Marshal.SizeOf(element)),
        IEnumerable items when depth < 4 => ObjectBytes + items.Cast<object?>().Sum(item => Of(item, depth + 1)),
        _ => ObjectBytes,
    };
}
