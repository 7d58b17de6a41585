namespace GenPipe.Tensors.Rng;

/// <summary>
/// The 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998), seeded the way PyTorch's CPU generator seeds it:
/// the low 32 bits of the seed go through the reference <c>init_genrand</c> recurrence.
/// </summary>
internal sealed class Mt19937
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private const uint MatrixA = 0x9908b0df;
    private const uint UpperMask = 0x80000000;
    private const uint LowerMask = 0x7fffffff;

    private readonly uint[] _state = new uint[StateSize];
    private int _next;

    /// <summary>Seeds the state from the low 32 bits of <paramref name="seed"/>, as torch's engine does.</summary>
    public Mt19937(ulong seed)
    {
        _state[0] = (uint)seed;
        for (int j = 1; j < StateSize; j++)
        {
            uint previous = _state[j - 1];
            _state[j] = unchecked((1812433253u * (previous ^ (previous >> 30))) + (uint)j);
        }

        // Forces a full regeneration on the first draw, like the reference implementation.
        _next = StateSize;
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt32()
    {
        if (_next >= StateSize)
        {
            Regenerate();
        }

        uint y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >> 18;
        return y;
    }

    private void Regenerate()
    {
        uint[] s = _state;
        for (int i = 0; i < StateSize; i++)
        {
            uint y = (s[i] & UpperMask) | (s[(i + 1) % StateSize] & LowerMask);
            uint twisted = (y >> 1) ^ ((y & 1) != 0 ? MatrixA : 0u);
            s[i] = s[(i + ShiftSize) % StateSize] ^ twisted;
        }

        _next = 0;
    }
}
