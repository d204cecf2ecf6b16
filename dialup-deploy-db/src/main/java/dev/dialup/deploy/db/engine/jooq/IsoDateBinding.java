package dev.dialup.deploy.db.engine.jooq;

import java.time.LocalDate;
import org.jooq.Converter;

/** DATE columns: {@code YYYY-MM-DD} text in SQLite (UTC days), {@link LocalDate} in Java. */
public final class IsoDateBinding extends TextBinding<LocalDate, LocalDate> {
    private static final Converter<LocalDate, LocalDate> CONVERTER =
            Converter.ofNullable(LocalDate.class, LocalDate.class, d -> d, d -> d);

    @Override
    public Converter<LocalDate, LocalDate> converter() {
        return CONVERTER;
    }

    @Override
    protected String format(LocalDate value) {
        return StoredTime.format(value);
    }

    @Override
    protected LocalDate parse(String text) {
        return StoredTime.parseDate(text);
    }
}
