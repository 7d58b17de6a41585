using GenPipe.Nn.Evaluation;
using Shouldly;
using Xunit;

namespace GenPipe.Nn.Tests.Evaluation;

/// <summary>The Jacobi eigen decomposition and the symmetric square root built on it, on matrices with known answers.</summary>
public sealed class SymmetricMatrixTests
{
    [Fact]
    public void A_two_by_two_has_its_known_eigenvalues_and_eigenvectors()
    {
        // [[2, 1], [1, 2]]: eigenvalues 1 and 3, eigenvectors (1, -1)/√2 and (1, 1)/√2.
        var (values, vectors) = SymmetricEigen.Decompose(new double[,] { { 2, 1 }, { 1, 2 } });

        values.Order().ShouldBe([1, 3], tolerance: 1e-14);
        int three = values[0] > values[1] ? 0 : 1;
        Math.Abs(vectors[0, three]).ShouldBe(Math.Sqrt(0.5), 1e-14);
        (vectors[0, three] * vectors[1, three]).ShouldBe(0.5, 1e-14, "the eigenvector of 3 is ±(1, 1)/√2");
    }

    [Theory]
    [InlineData(6, 6)]
    [InlineData(12, 12)]
    [InlineData(8, 3)] // rank 3: five eigenvalues are 0 and come out as tiny values of either sign
    public void Eigenvectors_are_orthonormal_and_rebuild_the_matrix(int size, int rank)
    {
        var matrix = RandomPsd(size, rank, seed: size + rank);

        var (values, vectors) = SymmetricEigen.Decompose(matrix);

        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                double dot = 0, rebuilt = 0;
                for (int k = 0; k < size; k++)
                {
                    dot += vectors[k, i] * vectors[k, j];
                    rebuilt += vectors[i, k] * values[k] * vectors[j, k];
                }

                dot.ShouldBe(i == j ? 1 : 0, 1e-12);
                rebuilt.ShouldBe(matrix[i, j], 1e-10);
            }
        }

        values.Count(v => Math.Abs(v) > 1e-9).ShouldBe(rank);
    }

    [Theory]
    [InlineData(5, 5)]
    [InlineData(16, 16)]
    [InlineData(10, 4)]
    public void The_square_root_squared_is_the_matrix(int size, int rank)
    {
        var matrix = RandomPsd(size, rank, seed: 100 + size);

        var root = SymmetricMatrix.Sqrt(matrix);
        var square = SymmetricMatrix.Multiply(root, root);

        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                root[i, j].ShouldBe(root[j, i], "the root is symmetric");
                square[i, j].ShouldBe(matrix[i, j], 1e-9);
            }
        }

        // A PSD root has non-negative eigenvalues: its trace is the sum of the roots of the matrix's eigenvalues.
        SymmetricMatrix.Trace(root).ShouldBe(SymmetricMatrix.TraceOfSqrt(matrix), 1e-10);
    }

    [Fact]
    public void The_root_of_a_diagonal_matrix_is_the_root_of_each_entry()
    {
        var root = SymmetricMatrix.Sqrt(new double[,] { { 4, 0, 0 }, { 0, 9, 0 }, { 0, 0, 0.25 } });

        root.Cast<double>().ShouldBe([2, 0, 0, 0, 3, 0, 0, 0, 0.5], tolerance: 1e-15);
    }

    [Fact]
    public void Non_square_and_non_finite_matrices_are_refused()
    {
        Should.Throw<ArgumentException>(() => SymmetricEigen.Decompose(new double[2, 3]));
        Should.Throw<ArgumentException>(() => SymmetricEigen.Decompose(new double[,] { { 1, double.NaN }, { 0, 1 } })).Message.ShouldContain("NaN");
    }

    // G Gᵀ for a seeded size x rank G: positive semi-definite of the given rank.
    internal static double[,] RandomPsd(int size, int rank, int seed)
    {
        var random = new Random(seed);
        var g = new double[size, rank];
        for (int i = 0; i < size; i++)
        {
            for (int k = 0; k < rank; k++)
            {
                g[i, k] = (random.NextDouble() * 2) - 1;
            }
        }

        var matrix = new double[size, size];
        for (int i = 0; i < size; i++)
        {
            for (int j = 0; j < size; j++)
            {
                for (int k = 0; k < rank; k++)
                {
                    matrix[i, j] += g[i, k] * g[j, k];
                }
            }
        }

        return matrix;
    }
}
