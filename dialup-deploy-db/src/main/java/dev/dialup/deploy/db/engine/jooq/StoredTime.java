package dev.dialup.deploy.db.engine.jooq;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;

/**
 * The one place that knows how times look in the database.
 *
 * <ul>
 *   <li>SQLite: UTC text {@code YYYY-MM-DD HH:MM:SS.SSS} (the shape of SQLite's
 *       {@code strftime('%Y-%m-%d %H:%M:%f')}; {@code CURRENT_TIMESTAMP}'s shorter form sorts correctly beside
 *       it), and dates as {@code YYYY-MM-DD}.
 *   <li>PostgreSQL: {@code timestamptz(3)} and {@code date}, bound as {@link OffsetDateTime} (UTC) and
 *       {@link LocalDate}.
 * </ul>
 *
 * Both engines keep exactly the same values: an instant is truncated to milliseconds (never rounded: a
 * {@code timestamptz(3)} column would round {@code .9995} up, SQLite's text cuts it off) and must lie within
 * {@link #FIRST}..{@link #LAST} (the four-digit years of the text form; a date within
 * {@link #FIRST_DATE}..{@link #LAST_DATE}), so the same instant reads back equal on both, and text order is
 * time order.
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

    private static final DateTimeFormatter POSTGRES_LITERAL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS'+00'").withZone(ZoneOffset.UTC);

    /** The earliest instant both engines store: 0001-01-01T00:00:00Z. */
    public static final Instant FIRST = Instant.parse("0001-01-01T00:00:00Z");
    /** The latest instant both engines store: 9999-12-31T23:59:59.999Z (anything later in that millisecond truncates to it). */
    public static final Instant LAST = Instant.parse("9999-12-31T23:59:59.999Z");
    /** The earliest date both engines store. */
    public static final LocalDate FIRST_DATE = LocalDate.of(1, 1, 1);
    /** The latest date both engines store. */
    public static final LocalDate LAST_DATE = LocalDate.of(9999, 12, 31);

    private StoredTime() {}

    /**
     * The instant as it is stored on every engine: truncated to milliseconds and checked against
     * {@link #FIRST}..{@link #LAST}. Outside that range it is an {@link IllegalArgumentException} (the
     * repositories refuse such arguments earlier, as a {@code ValidationException}: {@code Inputs.instant}).
     */
    public static Instant storable(Instant instant) {
        Instant t = truncate(instant);
        if (t.isBefore(FIRST) || t.isAfter(LAST)) {
            throw new IllegalArgumentException(
                    "instant " + instant + " is outside the storable range " + FIRST + ".." + LAST);
        }
        return t;
    }

    /** The date as it is stored on every engine, checked against {@link #FIRST_DATE}..{@link #LAST_DATE}. */
    public static LocalDate storable(LocalDate date) {
        if (date.isBefore(FIRST_DATE) || date.isAfter(LAST_DATE)) {
            throw new IllegalArgumentException(
                    "date " + date + " is outside the storable range " + FIRST_DATE + ".." + LAST_DATE);
        }
        return date;
    }

    /** The JDBC value of an instant for a PostgreSQL {@code timestamptz}: UTC, truncated to milliseconds. */
    public static OffsetDateTime toOffsetDateTime(Instant instant) {
        return OffsetDateTime.ofInstant(storable(instant), ZoneOffset.UTC);
    }

    /** A PostgreSQL {@code timestamptz} literal text ({@code 2026-01-02 03:04:05.678+00}) for inlined SQL. */
    public static String postgresLiteral(Instant instant) {
        return POSTGRES_LITERAL.format(storable(instant));
    }

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
