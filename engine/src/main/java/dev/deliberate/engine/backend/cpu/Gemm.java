package dev.deliberate.engine.backend.cpu;

/**
 * General matrix multiply on row-major float arrays, the engine's hot loop:
 * {@code C[m×n] (+)= op(A)[m×k] · op(B)[k×n]}, where {@code op(X)} is X or its transpose.
 *
 * <p>Storage: A is {@code m×k} with row stride {@code lda} (or {@code k×m} when {@code transA}); B is {@code k×n}
 * with row stride {@code ldb} (or {@code n×k} when {@code transB}); C is {@code m×n} with row stride {@code ldc}.
 * A linear layer {@code y = x·Wᵀ} (HF stores W as [out, in]) is {@code gemm(false, true, …)}; its input gradient
 * {@code dx = dy·W} is {@code gemm(false, false, …)}; its weight gradient {@code dW += dyᵀ·x} is
 * {@code gemm(true, false, …, accumulate=true)}.
 */
public final class Gemm {
    private Gemm() {}

    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int aOff, int lda,
                            float[] b, int bOff, int ldb,
                            float[] c, int cOff, int ldc,
                            boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = accumulate ? c[ci] + sum : sum;
            }
        }
    }
}
