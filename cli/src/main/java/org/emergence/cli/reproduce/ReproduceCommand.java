package org.emergence.cli.reproduce;

import io.grpc.StatusRuntimeException;
import org.emergence.cli.GatewayToken;
import org.emergence.cli.SuiteOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./emergence reproduce NAME}: checks one published claim end to end through the suite,
 * writes its figures, data and verdict into a folder, and prints the verdict. A claim that does
 * not reproduce exits 0 all the same: that is a result. Exit 1 means the claim could not be judged.
 */
@Command(name = "emergence reproduce", mixinStandardHelpOptions = true,
        description = "Reproduces a published claim about emergence through the suite and prints a verdict.")
public final class ReproduceCommand implements Callable<Integer> {

    @Parameters(arity = "0..1", paramLabel = "NAME", description = "The claim (see --list)")
    String name;

    @Option(names = "--list", description = "List every claim and exit")
    boolean list;

    @Option(names = "--json", description = "Print the verdict as one JSON document")
    boolean json;

    @Option(names = "--out", description = "Folder for the figures, data and verdict (default: data/reproduce/NAME)")
    Path out;

    @Option(names = "--scale", description = "smoke, ci or paper (default: ${DEFAULT-VALUE})")
    String scale = "ci";

    @Option(names = "--seed", description = "Reseeds every run of the claim (default: ${DEFAULT-VALUE})")
    long seed = 0;

    @Mixin
    SuiteOptions services = new SuiteOptions();

    @Mixin
    GatewayToken token = new GatewayToken();

    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("io.grpc").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new ReproduceCommand()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        if (list) {
            Claims.all().forEach(c -> System.out.printf("%-20s %s (%s)%n", c.name(), c.statement(), c.source()));
            return 0;
        }
        if (name == null) {
            System.err.println("emergence reproduce: name a claim, or --list");
            return 2;
        }
        Claim claim = Claims.named(name).orElse(null);
        if (claim == null) {
            System.err.println("emergence reproduce: no claim named " + name + "; --list shows them");
            return 2;
        }
        Scale chosen;
        try {
            chosen = Scale.valueOf(scale.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("emergence reproduce: --scale is smoke, ci or paper, not " + scale);
            return 2;
        }
        Path folder = out != null ? out : Path.of("data", "reproduce", name);
        try (Suite suite = new Suite(services.awaitGatewayChannel(), token)) {
            Files.createDirectories(folder);
            Verdict verdict = claim.check(new ClaimRun(suite, chosen, seed, folder));
            Files.writeString(folder.resolve("verdict.json"), verdict.toJson());
            if (json) {
                System.out.println(verdict.toJson());
            } else {
                verdict.print(System.out);
            }
            return 0;
        } catch (StatusRuntimeException e) {
            System.err.println("emergence reproduce " + name + ": " + e.getStatus().getCode() + ": "
                    + e.getStatus().getDescription());
            return 1;
        } catch (Suite.ExperimentFailed e) {
            System.err.println("emergence reproduce " + name + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
