package dev.dialup.deploy.db.engine.jooq;

import java.sql.Types;
import java.time.LocalDate;
import org.jooq.Converter;

/**
 * DATE columns: {@code YYYY-MM-DD} text in SQLite (UTC days), {@code date} in PostgreSQL, {@link LocalDate}
 * in Java; years 0001 to 9999 on both ({@link StoredTime#storable(LocalDate)}).
 */
public final class IsoDateBinding extends DialectBinding<LocalDate, LocalDate> {
    private static final Converter<LocalDate, LocalDate> CONVERTER =
            Converter.ofNullable(LocalDate.class, LocalDate.class, d -> d, d -> d);

    @Override
    public Converter<LocalDate, LocalDate> converter() {
        return CONVERTER;
    }

    @Override
    protected String format(LocalDate value) {
        return StoredTime.format(StoredTime.storable(value));
    }

    @Override
    protected LocalDate parse(String text) {
        return StoredTime.parseDate(text);
    }

    @Override
    protected String postgresType() {
        return "date";
    }

    @Override
    protected int postgresSqlType() {
        return Types.DATE;
    }

    @Override
    protected Object toPostgres(LocalDate value) {
        return StoredTime.storable(value);
    }

    @Override
    protected Class<?> postgresClass() {
        return LocalDate.class;
    }

    @Override
    protected LocalDate fromPostgres(Object value) {
        return (LocalDate) value;
    }

    @Override
    protected String postgresLiteral(LocalDate value) {
        return StoredTime.format(StoredTime.storable(value));
    }
}
