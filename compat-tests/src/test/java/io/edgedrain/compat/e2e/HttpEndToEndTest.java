package io.edgedrain.compat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * An unchanged JDK program (HttpServer + HttpClient over loopback, {@value HttpLoadProgram#TOTAL}
 * requests, most of them concurrent) in a child JVM on the README's -D route: every response is
 * right, and the selectors doing the work were EdgeDrain's.
 */
class HttpEndToEndTest {
    private static final String EDGE_SELECTOR = "io.edgedrain.internal.select.EdgeSelector";

    @Test
    void jdkHttpServerAndClientRunOnEdgeDrain() throws Exception {
        ChildJvm.Result run = ChildJvm.run(ChildJvm.dRoute(), HttpLoadProgram.class, Duration.ofSeconds(120));
        Map<String, String> r = run.values();
        System.out.println("HttpEndToEndTest: " + r);

        assertEquals(0, run.exitCode(), run::describe);
        assertEquals("io.edgedrain.EdgeDrainSelectorProvider", r.get("provider"), run::describe);
        assertEquals("true", r.get("active"), run::describe);
        assertEquals(EDGE_SELECTOR, r.get("selector"), run::describe);
        assertEquals(String.valueOf(HttpLoadProgram.TOTAL), r.get("requests"), run::describe);
        assertEquals(String.valueOf(HttpLoadProgram.TOTAL), r.get("ok"), run::describe);

        // EdgeDrain's epoll_wait did the waiting: at least one per sequential request (each needs the
        // server's selector to see new data on an idle connection), in practice far more.
        long waits = Long.parseLong(r.get("epollWait"));
        assertTrue(waits >= HttpLoadProgram.SEQUENTIAL, () -> "epoll_wait calls: " + waits + "\n" + run.describe());
        // Both the server and the client opened EdgeDrain selectors ...
        long creates = Long.parseLong(r.get("epollCreate"));
        assertTrue(creates >= 2, () -> "epoll_create calls: " + creates + "\n" + run.describe());
        // ... and their selector threads block in them.
        assertTrue(r.get("serverSelectorThread").contains(EDGE_SELECTOR + "."), run::describe);
        assertTrue(r.get("clientSelectorThread").contains(EDGE_SELECTOR + "."), run::describe);
    }
}
