package org.emergence.tda.timeseries;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.hipparchus.complex.Complex;
import org.hipparchus.transform.DftNormalization;
import org.hipparchus.transform.FastFourierTransformer;
import org.hipparchus.transform.TransformType;

/**
 * Fourier phase-randomised surrogates (Theiler et al. 1992): same amplitude spectrum (hence same autocorrelation)
 * as the series, independent uniform phases. They realise the null hypothesis "linear Gaussian noise with this
 * spectrum", which has no preferred loop.
 *
 * <p>Optionally the power spectrum is first averaged over {@code smoothingBins} neighbouring bins on each side. With
 * 0 this is the classic surrogate, whose null contains every pure sinusoid: a periodic orbit whose frequency falls on
 * a Fourier bin is its own surrogate, so no loop statistic can tell them apart. Smoothing widens such a line into
 * narrow-band noise whose amplitude wanders (coherence time about n / (2 smoothingBins + 1) samples), so the null
 * becomes "linear Gaussian noise no more coherent than that", which a limit cycle violates and a noise-driven,
 * damped oscillation (whose spectral peak is already wider) does not.
 *
 * <p>The radix-2 FFT needs a power-of-two length, so the surrogate is built from the last 2^k values of the series,
 * 2^k the largest power of two not above its length (the last values, as transients sit at the start).
 */
public final class PhaseRandomisedSurrogate {

    private static final FastFourierTransformer FFT = new FastFourierTransformer(DftNormalization.STANDARD);

    private PhaseRandomisedSurrogate() {}

    public static double[] generate(double[] series, int smoothingBins, RandomGenerator random) {
        DelayEmbedding.requireFinite(series);
        if (smoothingBins < 0) {
            throw new IllegalArgumentException("smoothingBins must be >= 0, got " + smoothingBins);
        }
        if (series.length < 4) {
            throw new IllegalArgumentException("series has " + series.length + " values, needs at least 4");
        }
        int n = Integer.highestOneBit(series.length);
        Complex[] spectrum = FFT.transform(Arrays.copyOfRange(series, series.length - n, series.length),
                TransformType.FORWARD);
        double[] amplitudes = smoothedAmplitudes(spectrum, smoothingBins);
        randomisePhases(spectrum, amplitudes, random);
        Complex[] back = FFT.transform(spectrum, TransformType.INVERSE);
        return Arrays.stream(back).mapToDouble(Complex::getReal).toArray();
    }

    /**
     * sqrt of the power averaged over bins k - w..k + w (clipped to 1..n/2-1, the bins that get new phases), so the
     * total power, hence the variance, is nearly kept.
     */
    private static double[] smoothedAmplitudes(Complex[] spectrum, int w) {
        int half = spectrum.length / 2;
        double[] amplitudes = new double[half];
        for (int k = 1; k < half; k++) {
            double power = 0;
            int from = Math.max(1, k - w);
            int to = Math.min(half - 1, k + w);
            for (int j = from; j <= to; j++) {
                power += spectrum[j].norm() * spectrum[j].norm();
            }
            amplitudes[k] = Math.sqrt(power / (to - from + 1));
        }
        return amplitudes;
    }

    /** New phases for bins 1..n/2-1 and their conjugates; the mean (bin 0) and the Nyquist bin are kept as they are. */
    private static void randomisePhases(Complex[] spectrum, double[] amplitudes, RandomGenerator random) {
        int n = spectrum.length;
        for (int k = 1; k < n / 2; k++) {
            double amplitude = amplitudes[k];
            double phase = 2 * Math.PI * random.nextDouble();
            Complex randomised = new Complex(amplitude * Math.cos(phase), amplitude * Math.sin(phase));
            spectrum[k] = randomised;
            spectrum[n - k] = randomised.conjugate();
        }
    }
}
