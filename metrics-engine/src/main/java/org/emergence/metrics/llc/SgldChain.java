package org.emergence.metrics.llc;


import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Batch;
import org.emergence.workloads.Parameters;
import org.emergence.workloads.Workload;

import java.util.Arrays;

/**
 * One localised SGLD chain from w*, on the sampled parameters laid out as one vector. Each step
 * computes L_m and its gradient at w_t, then
 * w_{t+1} = w_t - (eps/2) G (nBeta grad L_m + gamma (w_t - w*)) + sqrt(eps G) xi.
 * <p>
 * MALA diagnostic, as devinterp's MalaAcceptanceRate, over the transitions into the draw phase
 * (NaN for a one-step chain): with the potential U(w) = nBeta L_m(w) + gamma/2 ||w - w*||^2, the
 * proposal density q(w'|w) = N(w - (eps/2) G grad U(w), eps G) and the acceptance
 * min(1, exp(U(w) - U(w') + log q(w|w') - log q(w'|w))). Each U is evaluated on its own step's
 * minibatch, and the reverse proposal uses the preconditioner of the step it starts from.
 */
final class SgldChain {

    private final Workload workload;
    private final Parameters checkpoint;
    private final FlatLayout layout;
    private final NDArray center;
    private final Minibatches minibatches;
    private final SgldSettings settings;
    private final double nBeta;
    private final double initialLoss;
    private final int chain;
    private final ProgressListener listener;
    private final Cancellation cancellation;

    private NDArray position;
    private NDArray previousPosition;
    private NDArray squareAverage;
    private double previousPotential;
    private double previousForwardLogDensity;

    SgldChain(Workload workload, Parameters checkpoint, FlatLayout layout, NDArray center, Minibatches minibatches,
              SgldSettings settings, double initialLoss, int chain, ProgressListener listener, Cancellation cancellation) {
        this.workload = workload;
        this.checkpoint = checkpoint;
        this.layout = layout;
        this.center = center;
        this.minibatches = minibatches;
        this.settings = settings;
        this.nBeta = settings.effectiveNBeta();
        this.initialLoss = initialLoss;
        this.chain = chain;
        this.listener = listener;
        this.cancellation = cancellation;
    }

    ChainResult run(int noiseSeed) {
        Engine.getInstance().setRandomSeed(noiseSeed);
        Trace trace = new Trace(settings.draws());
        position = center.duplicate();
        try {
            for (int step = 0; step < settings.stepsPerChain(); step++) {
                cancellation.check();
                step(step, trace);
            }
        } finally {
            closeAll(position, previousPosition, squareAverage);
        }
        return trace.result(chain, nBeta, initialLoss);
    }

    private void step(int step, Trace trace) {
        try (NDScope scope = new NDScope()) {
            Batch batch = minibatches.next();
            LossGradient.Evaluation evaluation = LossGradient.evaluate(workload, layout, checkpoint, position, batch);
            requireHealthy(evaluation.loss(), step);
            Move move = move(evaluation.gradient());
            NDScope.unregister(move.next());
            if (squareAverage != null) {
                NDScope.unregister(squareAverage);
            }
            double potential = nBeta * evaluation.loss() + settings.gamma() / 2 * move.distanceSquared();
            if (step > 0 && step >= settings.burnIn()) {
                trace.acceptance(Math.min(1.0, Math.exp(
                        previousPotential - potential - move.reverseResidual() - previousForwardLogDensity)));
            }
            if (step >= settings.burnIn()) {
                trace.norms(Math.sqrt(move.gradientStepSquared()), Math.sqrt(move.noiseSquared()));
                recordDrawIfDue(step, evaluation.loss(), Math.sqrt(move.distanceSquared()), trace);
            }
            previousPotential = potential;
            previousForwardLogDensity = -move.standardNoiseSquared() / 2;
            closeAll(previousPosition);
            previousPosition = position;
            position = move.next();
        }
    }

    /** The next position and the squared norms the diagnostics need. */
    private record Move(NDArray next, double gradientStepSquared, double noiseSquared, double standardNoiseSquared,
                        double distanceSquared, double reverseResidual) {
    }

    private Move move(NDArray gradient) {
        double halfEpsilon = settings.epsilon() / 2;
        NDArray offset = position.sub(center);
        NDArray scale = preconditioner(gradient);
        NDArray standardNoise = position.getManager().randomNormal(0f, 1f, position.getShape(), position.getDataType());
        NDArray gradientStep = scaled(gradient.mul(halfEpsilon * nBeta), scale);
        NDArray drift = gradientStep.add(scaled(offset.mul(halfEpsilon * settings.gamma()), scale));
        NDArray noise = scaled(standardNoise.mul(Math.sqrt(settings.epsilon())), scale == null ? null : scale.sqrt());
        NDArray next = position.sub(drift).add(noise);
        NDList sums = new NDList(gradientStep.square().sum(), noise.square().sum(), standardNoise.square().sum(),
                offset.square().sum(), reverseResidual(drift, scale));
        double[] values = NDArrays.stack(sums).toType(DataType.FLOAT64, false).toDoubleArray();
        return new Move(next, values[0], values[1], values[2], values[3], values[4]);
    }

    /** -log q(w_{t-1} | w_t) up to the constant that cancels: ||w_{t-1} - w_t + drift||^2_{G^-1} / (2 eps). */
    private NDArray reverseResidual(NDArray drift, NDArray scale) {
        if (previousPosition == null) {
            return drift.getManager().zeros(new Shape(), drift.getDataType());
        }
        NDArray squared = previousPosition.sub(position).add(drift).square();
        return (scale == null ? squared : squared.div(scale)).sum().div(2 * settings.epsilon());
    }

    private static NDArray scaled(NDArray array, NDArray scale) {
        return scale == null ? array : array.mul(scale);
    }

    /** G: null (the identity) without preconditioning, else RMSProp's 1/(sqrt(v) + eps) after updating v. */
    private NDArray preconditioner(NDArray gradient) {
        if (settings.preconditioning() == Preconditioning.NONE) {
            return null;
        }
        double alpha = settings.rmspropAlpha();
        NDArray squared = gradient.square().mul(1 - alpha);
        NDArray average = squareAverage == null ? squared : squareAverage.mul(alpha).add(squared);
        closeAll(squareAverage);
        squareAverage = average;
        return average.sqrt().add(settings.rmspropEpsilon()).pow(-1);
    }

    private void recordDrawIfDue(int step, double loss, double distance, Trace trace) {
        int sinceBurnIn = step - settings.burnIn();
        if (sinceBurnIn % settings.stepsBetweenDraws() != 0) {
            return;
        }
        int draw = sinceBurnIn / settings.stepsBetweenDraws();
        trace.draw(draw, loss, distance, initialLoss);
        listener.onDraw(chain, draw, loss);
    }

    private void requireHealthy(double loss, int step) {
        if (Double.isNaN(loss)) {
            throw divergence("loss became NaN", step);
        }
        if (Double.isInfinite(loss)) {
            throw divergence("loss became infinite", step);
        }
        double excess = nBeta * (loss - initialLoss);
        if (excess > settings.divergenceFactor() * layout.size()) {
            throw divergence(String.format("loss exploded (nBeta (L_m - L(w*)) = %.3g > divergenceFactor %.3g x %d sampled parameters)",
                    excess, settings.divergenceFactor(), layout.size()), step);
        }
    }

    private SgldDivergenceException divergence(String what, int step) {
        return new SgldDivergenceException(what, chain, step, settings.burnIn(), settings.stepsBetweenDraws(), settings);
    }

    private static void closeAll(NDArray... arrays) {
        for (NDArray array : arrays) {
            if (array != null) {
                array.close();
            }
        }
    }

    /** What a chain accumulates over its draw phase. */
    private static final class Trace {
        private final double[] losses;
        private final double[] distances;
        private int below;
        private double acceptanceSum;
        private int acceptanceCount;
        private double gradientNormSum;
        private double noiseNormSum;
        private int normCount;

        Trace(int draws) {
            losses = new double[draws];
            distances = new double[draws];
        }

        void draw(int draw, double loss, double distance, double initialLoss) {
            losses[draw] = loss;
            distances[draw] = distance;
            if (loss < initialLoss) {
                below++;
            }
        }

        void acceptance(double probability) {
            acceptanceSum += probability;
            acceptanceCount++;
        }

        void norms(double gradientStep, double noise) {
            gradientNormSum += gradientStep;
            noiseNormSum += noise;
            normCount++;
        }

        ChainResult result(int chain, double nBeta, double initialLoss) {
            double meanLoss = Arrays.stream(losses).average().orElseThrow();
            ChainDiagnostics diagnostics = new ChainDiagnostics(
                    acceptanceCount == 0 ? Double.NaN : acceptanceSum / acceptanceCount,
                    (double) below / losses.length, gradientNormSum / normCount, noiseNormSum / normCount, distances);
            return new ChainResult(chain, nBeta * (meanLoss - initialLoss), losses, diagnostics);
        }
    }
}
