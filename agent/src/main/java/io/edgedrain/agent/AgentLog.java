package io.edgedrain.agent;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The agent's own messages, through {@code System.Logger} "io.edgedrain.agent". {@code log=debug}
 * shows debug messages even where the logging backend would hide that level (the JDK's default
 * configuration prints INFO and above): they are then logged at INFO with a "debug:" prefix.
 */
final class AgentLog {
    static final String NAME = "io.edgedrain.agent";

    private final AgentOptions.LogLevel level;
    private Logger logger;

    AgentLog(AgentOptions.LogLevel level) {
        this.level = level;
    }

    private Logger logger() {
        if (logger == null) {
            logger = System.getLogger(NAME); // on first use only: an agent that says nothing loads nothing
        }
        return logger;
    }

    void warning(String message) {
        logger().log(Level.WARNING, message);
    }

    void info(String message) {
        if (level != AgentOptions.LogLevel.WARNING) {
            logger().log(Level.INFO, message);
        }
    }

    boolean debugging() {
        return level == AgentOptions.LogLevel.DEBUG;
    }

    void debug(String message) {
        if (level == AgentOptions.LogLevel.DEBUG) {
            Logger log = logger();
            if (log.isLoggable(Level.DEBUG)) {
                log.log(Level.DEBUG, message);
            } else {
                log.log(Level.INFO, "debug: " + message);
            }
        }
    }
}
