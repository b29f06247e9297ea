package org.emergence.workloads.lewis;

import org.emergence.workloads.WorkloadSize;

/**
 * A Lewis signalling game over attribute-value objects (docs/science.md section 1.7).
 *
 * @param attributes         K, attributes per object
 * @param values             V, values per attribute: V^K objects in all
 * @param messageLength      L, symbols per message
 * @param vocabulary         symbols the sender may use
 * @param hiddenDim          width of the sender's and the receiver's ReLU layer
 * @param heldOutFraction    share of the objects never trained on, in (0, 1)
 * @param receiverResetEvery the receiver is drawn afresh after every this many updates; 0 never
 */
public record LewisGameConfig(int attributes, int values, int messageLength, int vocabulary, int hiddenDim,
                              double heldOutFraction, long receiverResetEvery) {

    public static final int DEFAULT_ATTRIBUTES = 3;
    public static final int DEFAULT_VALUES = 6;
    public static final int DEFAULT_MESSAGE_LENGTH = 3;
    public static final int DEFAULT_VOCABULARY = 8;
    public static final int DEFAULT_HIDDEN = 64;
    public static final double DEFAULT_HELD_OUT_FRACTION = 0.2;
    /** Objects in all, at most: the game lists them, and the information term counts messages over them. */
    public static final int MAX_OBJECTS = 100_000;

    public LewisGameConfig {
        require(attributes >= 1 && attributes <= 8, "attributes", "must lie in [1, 8]", attributes);
        require(values >= 2 && values <= 32, "values", "must lie in [2, 32]", values);
        require(messageLength >= 1 && messageLength <= 16, "message_length", "must lie in [1, 16]", messageLength);
        require(vocabulary >= 2 && vocabulary <= 64, "vocabulary", "must lie in [2, 64]", vocabulary);
        require(hiddenDim >= 1 && hiddenDim <= 4096, "hidden_dim", "must lie in [1, 4096]", hiddenDim);
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException("held_out_fraction: must lie in (0, 1), got " + heldOutFraction);
        }
        require(receiverResetEvery >= 0, "receiver_reset_every", "must not be negative", receiverResetEvery);
        require(Math.pow(values, attributes) <= MAX_OBJECTS, "values", "^attributes must be at most " + MAX_OBJECTS
                + " objects, got " + values + "^" + attributes, values);
        long held = Math.round(heldOutFraction * objects(values, attributes));
        if (held < 1 || held >= objects(values, attributes)) {
            throw new IllegalArgumentException("held_out_fraction: " + heldOutFraction + " leaves no held-out or no training objects");
        }
    }

    private static void require(boolean ok, String field, String rule, long value) {
        if (!ok) {
            throw new IllegalArgumentException(field + ": " + rule + ", got " + value);
        }
    }

    private static int objects(int values, int attributes) {
        return (int) Math.round(Math.pow(values, attributes));
    }

    /** V^K. */
    public int objects() {
        return objects(values, attributes);
    }

    public int heldOutObjects() {
        return (int) Math.round(heldOutFraction * objects());
    }

    /** Sender and receiver weights; per row the input (object and noise columns), both hidden layers, the message and the logits. */
    public WorkloadSize size() {
        double input = (double) attributes * values;
        double message = (double) messageLength * vocabulary;
        double parameters = input * hiddenDim + hiddenDim + hiddenDim * message + message
                + message * hiddenDim + hiddenDim + hiddenDim * input + input;
        double perRow = input + message + 2.0 * hiddenDim + 3 * message + input;
        return new WorkloadSize(WorkloadSize.saturated(parameters), objects(), WorkloadSize.saturated(perRow));
    }
}
