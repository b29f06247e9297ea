package org.emergence.proto.grpc;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {

    private static final long MB = 1 << 20;

    @Test
    void requestsShareTheBudgetAndGiveItBackHoweverTheyEnd() {
        // Half of a 100 MB heap: 50 MB for requests in flight together.
        MemoryBudget budget = new MemoryBudget(0.5, 100 * MB);
        assertEquals(50 * MB, budget.budgetBytes());
        int answer = budget.run(30 * MB, "the first", () -> {
            RequestException second = assertThrows(RequestException.class,
                    () -> budget.run(30 * MB, "the second", () -> 0));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, second.code());
            assertTrue(second.getMessage().contains("the second needs about 30 MB of heap and 20 MB of the 50 MB"),
                    second.getMessage());
            return budget.run(20 * MB, "a smaller one", () -> 42);
        });
        assertEquals(42, answer);
        // A request that failed gives its share back too.
        assertThrows(IllegalStateException.class, () -> budget.run(50 * MB, "a failing one", () -> {
            throw new IllegalStateException("failed");
        }));
        assertEquals(7, budget.run(50 * MB, "the whole budget", () -> 7));
    }

    @Test
    void aRequestLargerThanTheWholeBudgetSaysSoAndNamesTheSetting() {
        MemoryBudget budget = new MemoryBudget(0.5, 100 * MB);
        RequestException e = assertThrows(RequestException.class, () -> budget.run(51 * MB, "it", () -> 0));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
        assertTrue(e.getMessage().contains("more than this service's whole budget of 50 MB ("
                + MemoryBudget.SETTING), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(0, 100 * MB));
        assertThrows(IllegalArgumentException.class, () -> new MemoryBudget(1.5, 100 * MB));
    }
}
