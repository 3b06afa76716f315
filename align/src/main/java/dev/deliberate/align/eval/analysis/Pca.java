package dev.deliberate.align.eval.analysis;

import java.util.SplittableRandom;

/**
 * Principal component analysis for the embedding map of prompt types (SaRO §5: mean-pooled hidden states projected
 * to 2-D). The data are centred; the top eigenvectors come from the d×d scatter matrix XᵀX, or, when there are
 * fewer points than dimensions, from the n×n Gram matrix XXᵀ (its eigenvectors u give components Xᵀu/√λ) — the
 * smaller of the two. Up to {@value #JACOBI_LIMIT} rows that matrix is decomposed exactly by Jacobi, beyond it by
 * subspace iteration with a Rayleigh–Ritz step. Sign convention, so that reruns draw the same picture: each
 * component's largest-magnitude coordinate (the first one on ties) is positive.
 */
public final class Pca {

    static final int JACOBI_LIMIT = 256;

    private Pca() {}

    /**
     * @param scores     n×k coordinates of the points on the components
     * @param components k×d unit principal axes
     * @param variances  variance along each component (eigenvalue / (n−1))
     * @param totalVariance the sum of the variances along all d dimensions, for "explained" shares
     * @param mean       the d-vector subtracted first
     */
    public record Projection(double[][] scores, double[][] components, double[] variances, double totalVariance, double[] mean) {
        public double explained(int component) {
            return totalVariance == 0 ? 0 : variances[component] / totalVariance;
        }
    }

    /** Projects the n×d rows onto their first k principal components (k ≤ min(n, d)). */
    public static Projection project(double[][] rows, int k) {
        return project(rows, k, JACOBI_LIMIT);
    }

    static Projection project(double[][] rows, int k, int jacobiLimit) {
        int n = rows.length;
        if (n < 2) throw new IllegalArgumentException("PCA needs at least 2 points, got " + n);
        int d = rows[0].length;
        for (int i = 0; i < n; i++) {
            if (rows[i].length != d) throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + d);
        }
        if (k < 1 || k > Math.min(n, d)) throw new IllegalArgumentException("k must be in 1.." + Math.min(n, d) + ", got " + k);
        double[] mean = new double[d];
        for (double[] r : rows) for (int j = 0; j < d; j++) mean[j] += r[j] / n;
        double[][] x = new double[n][d];
        double total = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = rows[i][j] - mean[j];
                total += x[i][j] * x[i][j];
            }
        }
        boolean gram = n < d;
        int m = gram ? n : d;
        // rows of the factor whose pairwise dot products form the m×m matrix: X's rows (Gram) or columns (scatter)
        double[][] f = gram ? x : transpose(x);
        double[][] s = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = a; b < m; b++) {
                double dot = dot(f[a], f[b]);
                s[a][b] = dot;
                s[b][a] = dot;
            }
        }
        SymmetricEigen.Result eig = m <= jacobiLimit ? SymmetricEigen.decompose(s) : subspaceIteration(s, k);
        double[][] comps = new double[k][d];
        double[] variances = new double[k];
        for (int c = 0; c < k; c++) {
            double lambda = Math.max(0, eig.values()[c]);
            variances[c] = lambda / (n - 1);
            if (gram) {
                double[] u = eig.vectors()[c];
                for (int i = 0; i < n; i++) for (int j = 0; j < d; j++) comps[c][j] += x[i][j] * u[i];
                normalize(comps[c]);
            } else {
                comps[c] = eig.vectors()[c].clone();
            }
            int big = 0;
            for (int j = 1; j < d; j++) if (Math.abs(comps[c][j]) > Math.abs(comps[c][big]) + 1e-12) big = j;
            if (comps[c][big] < 0) for (int j = 0; j < d; j++) comps[c][j] = -comps[c][j];
        }
        double[][] scores = new double[n][k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += x[i][j] * comps[c][j];
                scores[i][c] = dot;
            }
        }
        return new Projection(scores, comps, variances, total / (n - 1), mean);
    }

    /** Top-k eigenpairs of a symmetric positive semi-definite matrix by block power iteration plus Rayleigh–Ritz. */
    static SymmetricEigen.Result subspaceIteration(double[][] s, int k) {
        int m = s.length, p = Math.min(m, k + 8);
        var rng = new SplittableRandom(0x9CA);
        double[][] q = new double[p][m];
        for (double[] col : q) for (int i = 0; i < m; i++) col[i] = rng.nextDouble() - 0.5;
        orthonormalize(q);
        double[] prev = new double[k];
        SymmetricEigen.Result ritz = null;
        for (int iter = 0; iter < 1000; iter++) {
            double[][] z = new double[p][];
            for (int c = 0; c < p; c++) z[c] = multiply(s, q[c]);
            orthonormalize(z);
            q = z;
            if (iter % 5 != 4) continue;
            double[][] t = new double[p][p];
            double[][] sq = new double[p][];
            for (int c = 0; c < p; c++) sq[c] = multiply(s, q[c]);
            for (int a = 0; a < p; a++) for (int b = 0; b < p; b++) t[a][b] = dot(q[a], sq[b]);
            for (int a = 0; a < p; a++) for (int b = a + 1; b < p; b++) t[a][b] = t[b][a] = (t[a][b] + t[b][a]) / 2;
            ritz = SymmetricEigen.decompose(t);
            boolean converged = true;
            for (int c = 0; c < k; c++) {
                if (Math.abs(ritz.values()[c] - prev[c]) > 1e-12 * Math.max(1, Math.abs(ritz.values()[0]))) converged = false;
                prev[c] = ritz.values()[c];
            }
            if (converged) break;
        }
        double[][] vectors = new double[k][m];
        for (int c = 0; c < k; c++) {
            for (int b = 0; b < p; b++) {
                double w = ritz.vectors()[c][b];
                for (int i = 0; i < m; i++) vectors[c][i] += w * q[b][i];
            }
            normalize(vectors[c]);
        }
        return new SymmetricEigen.Result(java.util.Arrays.copyOf(ritz.values(), k), vectors);
    }

    private static double[][] transpose(double[][] x) {
        double[][] t = new double[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) t[j][i] = x[i][j];
        return t;
    }

    private static double[] multiply(double[][] s, double[] v) {
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) out[i] = dot(s[i], v);
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void normalize(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        if (norm > 0) for (int i = 0; i < v.length; i++) v[i] /= norm;
    }

    // modified Gram–Schmidt, twice for stability; a column that vanishes (S has lower rank than the block) is
    // replaced by the first unit direction not yet spanned
    private static void orthonormalize(double[][] cols) {
        int m = cols[0].length;
        for (int c = 0; c < cols.length; c++) {
            int fresh = 0;
            while (!orthogonalizeAgainst(cols, c)) {
                if (fresh == m) throw new IllegalStateException("cannot complete an orthonormal basis of " + cols.length + " vectors in " + m + " dimensions");
                java.util.Arrays.fill(cols[c], 0);
                cols[c][fresh++] = 1;
            }
        }
    }

    private static boolean orthogonalizeAgainst(double[][] cols, int c) {
        double before = Math.sqrt(dot(cols[c], cols[c]));
        if (before == 0) return false;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < c; b++) {
                double proj = dot(cols[b], cols[c]);
                for (int i = 0; i < cols[c].length; i++) cols[c][i] -= proj * cols[b][i];
            }
        }
        double norm = Math.sqrt(dot(cols[c], cols[c]));
        if (norm <= 1e-10 * before) return false;
        for (int i = 0; i < cols[c].length; i++) cols[c][i] /= norm;
        return true;
    }
}
