package dev.dialup.deploy.db.engine.jooq;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;

/**
 * The one place that knows how times look in the database: UTC text
 * {@code YYYY-MM-DD HH:MM:SS.SSS} (the shape of SQLite's {@code strftime('%Y-%m-%d %H:%M:%f')};
 * {@code CURRENT_TIMESTAMP}'s shorter form sorts correctly beside it), and dates as
 * {@code YYYY-MM-DD}.
 */
public final class StoredTime {
    private static final DateTimeFormatter WRITE =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter READ = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart()
            .appendLiteral(' ')
            .optionalEnd()
            .optionalStart()
            .appendLiteral('T')
            .optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart()
            .appendPattern(":ss")
            .optionalEnd()
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true)
            .optionalEnd()
            .optionalStart()
            .appendLiteral('Z')
            .optionalEnd()
            .toFormatter();

    private StoredTime() {}

    /** Database text for an instant, truncated to milliseconds (the stored precision). */
    public static String format(Instant instant) {
        return WRITE.format(instant);
    }

    public static Instant parseInstant(String text) {
        try {
            return LocalDateTime.parse(text.trim(), READ).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new IllegalStateException("Unreadable timestamp in database: '" + text + "'", e);
        }
    }

    /** The precision the database keeps; use it to compare an Instant with what was stored. */
    public static Instant truncate(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS);
    }

    public static String format(LocalDate date) {
        return DateTimeFormatter.ISO_LOCAL_DATE.format(date);
    }

    public static LocalDate parseDate(String text) {
        String t = text.trim();
        return LocalDate.parse(t.length() > 10 ? t.substring(0, 10) : t);
    }
}
