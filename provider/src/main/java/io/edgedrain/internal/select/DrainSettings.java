package io.edgedrain.internal.select;

/**
 * Whether selectors present a not-yet-drained datagram key again within a pass, and how often at
 * most per selection.
 *
 * @param enabled  false: plain level-triggered behaviour over edge-triggered epoll
 * @param budget   re-presentations allowed per selection, over all keys
 */
public record DrainSettings(boolean enabled, int budget) {
    /**
     * Enough to drain a receive buffer at Linux's usual ceiling (net.core.rmem_max of 4 MiB) full
     * of small datagrams (about 5,000 at ~800 bytes of kernel memory each), yet small enough that
     * a flooded socket returns control to the loop within a few milliseconds.
     */
    public static final int DEFAULT_BUDGET = 8192;

    public static final DrainSettings DEFAULT = new DrainSettings(true, DEFAULT_BUDGET);

    public DrainSettings {
        if (budget < 0) {
            throw new IllegalArgumentException("drain budget must be >= 0: " + budget);
        }
    }
}
