package org.emergence.tda.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The AOT cache's training run (aot-cache.sh): RipserCli once per argument group (groups separated
 * by "::") in one JVM, so that the cache holds the method profiles of every reduction the groups
 * reach (the implicit one in dimension 2, forward cohomology on an embedding cloud), not only one's.
 */
public final class RipserCliTraining {
    private RipserCliTraining() {}

    public static void main(String[] args) {
        List<String> group = new ArrayList<>();
        for (String arg : Arrays.copyOf(args, args.length + 1)) {
            if (arg != null && !arg.equals("::")) {
                group.add(arg);
                continue;
            }
            int code = RipserCli.run(group.toArray(String[]::new), System.out, System.err);
            if (code != 0) System.exit(code);
            group.clear();
        }
    }
}
