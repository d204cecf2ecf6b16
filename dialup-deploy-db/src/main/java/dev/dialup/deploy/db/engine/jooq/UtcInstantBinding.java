package dev.dialup.deploy.db.engine.jooq;

import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jooq.Converter;

/**
 * DATETIME columns: UTC text in SQLite, {@code timestamptz(3)} in PostgreSQL, {@link Instant} in Java. Both
 * engines store the instant truncated to milliseconds ({@link StoredTime#storable(Instant)}), so a value reads
 * back identically on both; PostgreSQL values are truncated again when read, so an expression of higher
 * precision ({@code now()}) reads like a stored one.
 */
public final class UtcInstantBinding extends DialectBinding<LocalDateTime, Instant> {
    private static final Converter<LocalDateTime, Instant> CONVERTER = Converter.ofNullable(
            LocalDateTime.class,
            Instant.class,
            ldt -> ldt.toInstant(ZoneOffset.UTC),
            instant -> LocalDateTime.ofInstant(instant, ZoneOffset.UTC));

    @Override
    public Converter<LocalDateTime, Instant> converter() {
        return CONVERTER;
    }

    @Override
    protected String format(Instant value) {
        return StoredTime.format(StoredTime.storable(value));
    }

    @Override
    protected Instant parse(String text) {
        return StoredTime.parseInstant(text);
    }

    @Override
    protected String postgresType() {
        return "timestamptz";
    }

    @Override
    protected int postgresSqlType() {
        return Types.TIMESTAMP_WITH_TIMEZONE;
    }

    @Override
    protected Object toPostgres(Instant value) {
        return StoredTime.toOffsetDateTime(value);
    }

    @Override
    protected Class<?> postgresClass() {
        return OffsetDateTime.class;
    }

    @Override
    protected Instant fromPostgres(Object value) {
        return StoredTime.truncate(((OffsetDateTime) value).toInstant());
    }

    @Override
    protected String postgresLiteral(Instant value) {
        return StoredTime.postgresLiteral(value);
    }
}
