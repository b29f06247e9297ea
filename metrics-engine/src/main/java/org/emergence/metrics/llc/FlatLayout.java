package org.emergence.metrics.llc;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import org.emergence.workloads.Parameters;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Some of a model's parameters laid end to end as one vector. Samplers and probes work on the
 * vector, so a step costs the same few tensor operations however many parameter tensors the model
 * has; {@link #view} turns the vector back into named parameters by differentiable slices.
 */
public final class FlatLayout {

    private final List<String> names;
    private final List<Shape> shapes;
    private final long[] offsets;
    private final long size;

    private FlatLayout(List<String> names, List<Shape> shapes) {
        this.names = List.copyOf(names);
        this.shapes = List.copyOf(shapes);
        this.offsets = new long[names.size() + 1];
        for (int i = 0; i < shapes.size(); i++) {
            offsets[i + 1] = offsets[i] + shapes.get(i).size();
        }
        this.size = offsets[names.size()];
    }

    /** The parameters whose names {@code include} accepts, in the parameters' order. */
    public static FlatLayout of(Parameters parameters, Predicate<String> include) {
        List<String> names = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        parameters.asMap().forEach((name, value) -> {
            if (include.test(name)) {
                names.add(name);
                shapes.add(value.getShape());
            }
        });
        return new FlatLayout(names, shapes);
    }

    public List<String> names() {
        return names;
    }

    /** Number of scalars in the vector. */
    public long size() {
        return size;
    }

    /** A new 1-D array holding the included parameters of {@code parameters}. */
    public NDArray flatten(Parameters parameters) {
        NDList pieces = new NDList();
        for (String name : names) {
            pieces.add(parameters.get(name).reshape(-1));
        }
        return pieces.size() == 1 ? pieces.head().duplicate() : NDArrays.concat(pieces);
    }

    /**
     * {@code base} with every included parameter replaced by its piece of {@code flat}. One split
     * rather than a slice per parameter: its backward is one concatenation, where each slice's
     * backward would fill a zero gradient of the whole vector and add them all up.
     */
    public Parameters view(Parameters base, NDArray flat) {
        NDList pieces = names.size() == 1 ? new NDList(flat)
                : flat.split(Arrays.copyOfRange(offsets, 1, names.size()));
        Parameters view = new Parameters();
        base.asMap().forEach((name, value) -> {
            int index = names.indexOf(name);
            view.put(name, index < 0 ? value : pieces.get(index).reshape(shapes.get(index)));
        });
        return view;
    }
}
