package dev.deliberate.align.eval.analysis;

/**
 * Eigen-decomposition of a real symmetric matrix by the cyclic Jacobi method (Golub & Van Loan §8.5): plane
 * rotations zero each off-diagonal entry in turn until the off-diagonal mass is negligible. Exact to rounding and
 * simple; O(m³) per sweep, so meant for matrices of a few hundred rows.
 */
public final class SymmetricEigen {

    /**
     * @param values  eigenvalues, descending
     * @param vectors {@code vectors[j]} is the unit eigenvector of {@code values[j]}
     */
    public record Result(double[] values, double[][] vectors) {}

    private SymmetricEigen() {}

    public static Result decompose(double[][] matrix) {
        int m = matrix.length;
        double[][] a = new double[m][];
        for (int i = 0; i < m; i++) {
            if (matrix[i].length != m) throw new IllegalArgumentException("matrix is not square: row " + i + " has " + matrix[i].length + " entries, expected " + m);
            a[i] = matrix[i].clone();
        }
        double[][] v = new double[m][m];
        for (int i = 0; i < m; i++) v[i][i] = 1;
        double scale = 0;
        for (double[] row : a) for (double x : row) scale += x * x;
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < m; p++) for (int q = p + 1; q < m; q++) off += a[p][q] * a[p][q];
            if (off <= 1e-30 * scale || off == 0) break;
            for (int p = 0; p < m; p++) {
                for (int q = p + 1; q < m; q++) {
                    double apq = a[p][q];
                    if (apq == 0) continue;
                    // rotation angle that zeroes a[p][q] (Golub & Van Loan Alg. 8.5.1, the smaller root for stability)
                    double theta = (a[q][q] - a[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < m; k++) {
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < m; k++) {
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < m; k++) {
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[m];
        for (int i = 0; i < m; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[y][y], a[x][x]));
        double[] values = new double[m];
        double[][] vectors = new double[m][m];
        for (int j = 0; j < m; j++) {
            values[j] = a[order[j]][order[j]];
            for (int k = 0; k < m; k++) vectors[j][k] = v[k][order[j]];
        }
        return new Result(values, vectors);
    }
}
