namespace GenPipe.Tensors.SafeTensors;

/// <summary>Names and sizes of <see cref="SafeTensorsDType"/> values as the format spells them.</summary>
internal static class SafeTensorsDTypes
{
    /// <summary>Parses the header's dtype string (case-sensitive, as upstream writes it).</summary>
    public static bool TryParse(string text, out SafeTensorsDType dtype)
    {
        // Enum.TryParse would also accept numbers ("3") and other casings; the format has exactly these spellings.
        foreach (SafeTensorsDType candidate in Enum.GetValues<SafeTensorsDType>())
        {
            if (string.Equals(candidate.ToString(), text, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }

        dtype = default;
        return false;
    }

    /// <summary>All dtype names, for messages.</summary>
    public static string Names => string.Join(", ", Enum.GetNames<SafeTensorsDType>());

    /// <summary>The size of one element in bits (sub-byte types are packed).</summary>
    public static int BitSize(SafeTensorsDType dtype) => dtype switch
    {
        SafeTensorsDType.F4 => 4,
        SafeTensorsDType.F6_E2M3 or SafeTensorsDType.F6_E3M2 => 6,
        SafeTensorsDType.BOOL or SafeTensorsDType.U8 or SafeTensorsDType.I8 or SafeTensorsDType.F8_E5M2
            or SafeTensorsDType.F8_E4M3 or SafeTensorsDType.F8_E8M0 => 8,
        SafeTensorsDType.I16 or SafeTensorsDType.U16 or SafeTensorsDType.F16 or SafeTensorsDType.BF16 => 16,
        SafeTensorsDType.I32 or SafeTensorsDType.U32 or SafeTensorsDType.F32 => 32,
        SafeTensorsDType.F64 or SafeTensorsDType.I64 or SafeTensorsDType.U64 or SafeTensorsDType.C64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };
}
