package org.emergence.proto.provenance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** What a build's provenance must name as its commit, asked of git itself: the tests' independent reference. */
public final class GitHead {

    private GitHead() {
    }

    /** HEAD of the checkout the working directory is in; unknown outside one (a source archive) or without git. */
    public static String orUnknown() throws InterruptedException {
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return git.waitFor(30, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : Provenances.UNKNOWN;
        } catch (IOException noGit) {
            return Provenances.UNKNOWN;
        }
    }
}
