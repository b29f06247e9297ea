package org.emergence.tda.formats;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Numbers as C++ iostream prints them by default: %g with 6 significant digits, trailing zeros dropped. */
public final class CppFormat {
    private static final MathContext SIX = new MathContext(6, RoundingMode.HALF_EVEN);

    private CppFormat() {}

    public static String g(double x) {
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        if (x == 0) return (1 / x < 0) ? "-0" : "0";
        BigDecimal rounded = new BigDecimal(x).round(SIX); // exact binary value, rounded once like printf
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent < -4 || exponent >= 6) {
            BigDecimal mantissa = rounded.movePointLeft(exponent).stripTrailingZeros();
            String m = mantissa.toPlainString();
            return m + "e" + (exponent < 0 ? "-" : "+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
        }
        return rounded.stripTrailingZeros().toPlainString();
    }
}
