package org.emergence.tda.persistence;

/** Arithmetic in the prime field Z/p: primality and the table of multiplicative inverses. */
final class Zp {

    /** Keeps coefficient products below 2^31 in the reduction loops. */
    static final int MAX_MODULUS = 46337;

    private Zp() {}

    static boolean isPrime(int n) {
        if (n < 2) return false;
        if (n % 2 == 0) return n == 2;
        for (int d = 3; (long) d * d <= n; d += 2) if (n % d == 0) return false;
        return true;
    }

    /** inverse[a] * a == 1 mod p for 0 < a < p, from p = a * (p / a) + p % a (Ripser's recurrence). */
    static int[] inverses(int p) {
        int[] inverse = new int[p];
        if (p > 1) inverse[1] = 1;
        for (int a = 2; a < p; a++) inverse[a] = p - (int) ((long) inverse[p % a] * (p / a) % p);
        return inverse;
    }
}
