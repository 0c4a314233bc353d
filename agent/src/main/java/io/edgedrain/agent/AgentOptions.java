package io.edgedrain.agent;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The agent's options, {@code -javaagent:edgedrain-agent.jar=drain=on|off,budget=N,log=warning|info|debug}
 * (also the last argument of {@code attach <pid>}). {@code drain} and {@code budget} become the
 * provider's system properties {@code edgedrain.drain} and {@code edgedrain.drain.budget};
 * {@code log} is the level of the agent's own messages (logger {@code io.edgedrain.agent}).
 */
final class AgentOptions {
    /** What the agent says about itself. */
    enum LogLevel { WARNING, INFO, DEBUG }

    static final String DRAIN_PROPERTY = "edgedrain.drain";
    static final String BUDGET_PROPERTY = "edgedrain.drain.budget";
    static final int DEFAULT_BUDGET = 8192; // io.edgedrain.internal.select.DrainSettings.DEFAULT_BUDGET

    /** The one message an invalid option produces; it lists every valid option. */
    static final String VALID = "Valid options, comma-separated: drain=on|off (default on), budget=N (re-presentations"
            + " per selection, a whole number >= 0, default " + DEFAULT_BUDGET + "), log=warning|info|debug (default info);"
            + " e.g. -javaagent:edgedrain-agent.jar=drain=on,budget=" + DEFAULT_BUDGET + ",log=info";

    /** Null when not given: the provider's own default (or an existing -D setting) applies. */
    final Boolean drain;
    /** Null when not given. */
    final Integer budget;
    final LogLevel log;

    private AgentOptions(Boolean drain, Integer budget, LogLevel log) {
        this.drain = drain;
        this.budget = budget;
        this.log = log;
    }

    /** An invalid option: the message names it and lists the valid ones. No stack trace. */
    static final class InvalidOptionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidOptionException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // the message is the whole story
        }
    }

    static AgentOptions parse(String args) {
        Boolean drain = null;
        Integer budget = null;
        LogLevel log = LogLevel.INFO;
        Set<String> seen = new HashSet<>();
        for (String item : (args == null ? "" : args).split(",", -1)) {
            String option = item.trim();
            if (option.isEmpty()) {
                continue;
            }
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq).trim();
            String value = eq < 0 ? null : option.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
            if (value == null || value.isEmpty()) {
                throw invalid(option, args, "expected name=value");
            }
            if (!seen.add(key)) {
                throw invalid(option, args, key + " is given twice");
            }
            switch (key) {
                case "drain":
                    if (value.equals("on")) {
                        drain = Boolean.TRUE;
                    } else if (value.equals("off")) {
                        drain = Boolean.FALSE;
                    } else {
                        throw invalid(option, args, "drain is on or off");
                    }
                    break;
                case "budget":
                    try {
                        budget = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        budget = -1;
                    }
                    if (budget < 0) {
                        throw invalid(option, args, "budget is a whole number >= 0");
                    }
                    break;
                case "log":
                    switch (value) {
                        case "warning": log = LogLevel.WARNING; break;
                        case "info": log = LogLevel.INFO; break;
                        case "debug": log = LogLevel.DEBUG; break;
                        default: throw invalid(option, args, "log is warning, info or debug");
                    }
                    break;
                default:
                    throw invalid(option, args, "unknown option");
            }
        }
        return new AgentOptions(drain, budget, log);
    }

    private static InvalidOptionException invalid(String option, String args, String why) {
        return new InvalidOptionException("EdgeDrain agent: invalid option \"" + option + "\" in \"" + args + "\" ("
                + why + "). " + VALID);
    }

    /** Sets the provider's properties for the options given; others are left as they are. */
    void applyToSystemProperties() {
        if (drain != null) {
            System.setProperty(DRAIN_PROPERTY, drain.toString());
        }
        if (budget != null) {
            System.setProperty(BUDGET_PROPERTY, budget.toString());
        }
    }

    /** The drain settings the provider will read, for the agent's messages. */
    static String effectiveSettings() {
        String drain = System.getProperty(DRAIN_PROPERTY, "true");
        String budget = System.getProperty(BUDGET_PROPERTY, Integer.toString(DEFAULT_BUDGET));
        return "drain " + (drain.trim().equalsIgnoreCase("false") || drain.trim().equalsIgnoreCase("off") ? "off" : "on")
                + ", budget " + budget.trim();
    }
}
