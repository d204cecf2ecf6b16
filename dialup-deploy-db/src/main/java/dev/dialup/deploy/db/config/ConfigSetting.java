package dev.dialup.deploy.db.config;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Inputs;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed {@code system_config} entry: its key, Java type, default (used when the row is
 * missing or unreadable) and validation. Durations are stored as a whole number of the unit
 * their key names ({@code *_days}, {@code *_seconds}) so SQL can use them directly.
 *
 * <p>A setting whose key is in the library's catalogue ({@link ConfigSettings#all()}) is always
 * validated and read with the <em>catalogue's</em> definition, whatever instance a caller
 * passes: a caller cannot widen a range (e.g. {@code audit.retention_days} down to 0, or
 * {@code security.bcrypt_cost} down to 4) by constructing its own {@code ConfigSetting}.
 * Caller-made settings for keys outside the catalogue (platform extensions) keep their own rules.
 */
public final class ConfigSetting<T> {
    private final String key;
    private final Class<T> type;
    private final T defaultValue;
    private final Function<String, T> parse;
    private final Function<T, String> format;
    private final Function<T, String> problem;

    private ConfigSetting(
            String key,
            Class<T> type,
            T defaultValue,
            Function<String, T> parse,
            Function<T, String> format,
            Function<T, String> problem) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.parse = parse;
        this.format = format;
        this.problem = problem;
    }

    /** A whole-number setting within [min, max]. */
    public static ConfigSetting<Long> integer(String key, long defaultValue, long min, long max) {
        return new ConfigSetting<>(
                key,
                Long.class,
                defaultValue,
                s -> Long.parseLong(s.trim()),
                String::valueOf,
                v -> v < min || v > max ? "must be between " + min + " and " + max : null);
    }

    /** A duration stored as whole {@code unit}s, within [min, max]. */
    public static ConfigSetting<Duration> duration(
            String key, ChronoUnit unit, Duration defaultValue, Duration min, Duration max) {
        return new ConfigSetting<>(
                key,
                Duration.class,
                defaultValue,
                s -> Duration.of(Long.parseLong(s.trim()), unit),
                v -> String.valueOf(v.dividedBy(unit.getDuration())),
                v -> v.compareTo(min) < 0 || v.compareTo(max) > 0
                        ? "must be between " + min + " and " + max
                        : !v.equals(unit.getDuration().multipliedBy(v.dividedBy(unit.getDuration())))
                                ? "must be whole " + unit.name().toLowerCase(Locale.ROOT)
                                : null);
    }

    /** A boolean stored as {@code true}/{@code false}. */
    public static ConfigSetting<Boolean> bool(String key, boolean defaultValue) {
        return new ConfigSetting<>(
                key,
                Boolean.class,
                defaultValue,
                s -> switch (s.trim().toLowerCase(Locale.ROOT)) {
                    case "true", "1" -> true;
                    case "false", "0" -> false;
                    default -> throw new IllegalArgumentException("not a boolean");
                },
                String::valueOf,
                v -> null);
    }

    /** One of a fixed set of lower-case words (stored trimmed, compared case-insensitively). */
    public static ConfigSetting<String> oneOf(String key, String defaultValue, java.util.Set<String> allowed) {
        java.util.Set<String> words = java.util.Set.copyOf(allowed);
        return new ConfigSetting<>(
                key,
                String.class,
                defaultValue,
                s -> s.trim().toLowerCase(Locale.ROOT),
                s -> s,
                v -> words.contains(v) ? null : "must be one of " + new java.util.TreeSet<>(words));
    }

    /** A single-line string of 1..maxLength characters: no control characters, no lone surrogates. */
    public static ConfigSetting<String> string(String key, String defaultValue, int maxLength) {
        return new ConfigSetting<>(
                key,
                String.class,
                defaultValue,
                s -> s,
                s -> s,
                v -> v.isBlank()
                        ? "must not be blank"
                        : v.length() > maxLength
                                ? "must be at most " + maxLength + " characters"
                                : v.chars().anyMatch(Character::isISOControl)
                                        ? "must not contain control characters"
                                        : problemOf(() -> Inputs.noLoneSurrogate(key, v)));
    }

    /**
     * A name shown to people (the platform's name): {@link #string} rules, and no bidi controls
     * or invisible format characters ({@link Inputs#visibleIdentifier}).
     */
    public static ConfigSetting<String> displayName(String key, String defaultValue, int maxLength) {
        ConfigSetting<String> plain = string(key, defaultValue, maxLength);
        return new ConfigSetting<>(key, String.class, defaultValue, s -> s, s -> s, v -> {
            String p = plain.problem.apply(v);
            return p != null ? p : problemOf(() -> Inputs.visibleIdentifier(key, v));
        });
    }

    private static String problemOf(Runnable check) {
        try {
            check.run();
            return null;
        } catch (ValidationException e) {
            return e.problem();
        }
    }

    public String key() {
        return key;
    }

    public Class<T> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /**
     * The same key and type with another range: used only by {@link ConfigSettings} to relax
     * the password-hashing floors for a database opened with
     * {@code DialupDatabase.Builder#insecurePasswordHashingForTests()}.
     */
    static ConfigSetting<Long> relaxed(ConfigSetting<Long> s, long min, long max) {
        return integer(s.key, s.defaultValue, min, max);
    }

    /** The stored text as a value, or the default when missing or unreadable. */
    public T parseOrDefault(String stored) {
        if (stored == null || stored.isBlank()) return defaultValue;
        try {
            T v = parse.apply(stored);
            return problem.apply(v) == null ? v : defaultValue;
        } catch (RuntimeException e) {
            return defaultValue;
        }
    }

    /** The canonical stored text of what {@code stored} reads as (its default when missing or invalid). */
    public String canonical(String stored) {
        return format.apply(parseOrDefault(stored));
    }

    /** Validates and formats a value for storage. */
    String formatValidated(T value) {
        if (value == null) throw new ValidationException(key, "must not be null");
        String p = problem.apply(Objects.requireNonNull(value));
        if (p != null) throw new ValidationException(key, p);
        return format.apply(value);
    }

    @Override
    public String toString() {
        return "ConfigSetting[" + key + ": " + type.getSimpleName() + " = " + defaultValue + "]";
    }
}
