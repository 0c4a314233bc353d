package io.edgedrain.metrics;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A selection pass that presented not-yet-drained datagram keys again. Off by default: a busy loop
 * has one per selection; enable it in a recording ({@code +io.edgedrain.DrainPass#enabled=true}).
 */
@Name("io.edgedrain.DrainPass")
@Label("Drain Pass")
@Category("EdgeDrain")
@Description("A selection pass in which EdgeDrain presented datagram keys again because they were not yet drained")
@StackTrace(false)
@Enabled(false)
final class DrainPassEvent extends jdk.jfr.Event {
    @Label("Re-presentations")
    @Description("Times a key was presented again in this pass (and in any pass the application left before its end)")
    long representations;

    @Label("Budget Exhausted")
    @Description("The drain budget ended the pass with a key not yet drained; it is selected again next time")
    boolean budgetExhausted;
}
