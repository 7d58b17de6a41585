namespace GenPipe.Tensors.SafeTensors;

/// <summary>
/// The element types the safetensors format names. GenPipe loads <see cref="F32"/>, <see cref="F16"/> and
/// <see cref="BF16"/> as float32 tensors, <see cref="I64"/> as <see cref="long"/> arrays and <see cref="U8"/> as
/// <see cref="byte"/> arrays; the others are parsed and listed so that a file holding them still opens, but loading
/// them is refused with a clear message.
/// </summary>
public enum SafeTensorsDType
{
    /// <summary>Boolean, one byte per element.</summary>
    BOOL,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>IEEE 754 half precision (float16).</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a float32.</summary>
    BF16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>IEEE 754 single precision (float32).</summary>
    F32,

    /// <summary>IEEE 754 double precision (float64).</summary>
    F64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,

    /// <summary>Complex number of two float32 values.</summary>
    C64,

    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8_E5M2,

    /// <summary>8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8_E4M3,

    /// <summary>8-bit power-of-two scale (exponent only).</summary>
    F8_E8M0,

    /// <summary>6-bit float, 2 exponent and 3 mantissa bits (packed).</summary>
    F6_E2M3,

    /// <summary>6-bit float, 3 exponent and 2 mantissa bits (packed).</summary>
    F6_E3M2,

    /// <summary>4-bit float (packed, two per byte).</summary>
    F4,
}
