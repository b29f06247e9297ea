package org.emergence.proto.provenance;

import org.emergence.proto.v1.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenancesTest {

    @Test
    void statesTheBuildItCameFrom() throws InterruptedException {
        Provenance provenance = Provenances.thisProcess().build();
        assertEquals(System.getProperty("emergence.project.version"), provenance.getVersion());
        assertEquals(GitHead.orUnknown(), provenance.getCommit());
        assertEquals(Runtime.version().toString(), provenance.getJavaVersion());
        assertTrue(provenance.getOs().contains(System.getProperty("os.arch")), provenance.getOs());
        assertEquals(Runtime.getRuntime().availableProcessors(), provenance.getLogicalCores());
        assertTrue(provenance.getMaxHeapBytes() > 0);
        assertTrue(!provenance.getCpuModel().isBlank());
    }

    @Test
    void readsTheCpuModelFromCpuinfo(@TempDir Path dir) throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n"
                + "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n");
        assertEquals("Intel(R) Xeon(R) CPU @ 2.20GHz", Provenances.cpuModel(cpuinfo));
        Files.writeString(cpuinfo, "processor\t: 0\nBogoMIPS\t: 50.00\n");
        assertEquals(Provenances.UNKNOWN, Provenances.cpuModel(cpuinfo));
        assertEquals(Provenances.UNKNOWN, Provenances.cpuModel(dir.resolve("absent")));
    }
}
