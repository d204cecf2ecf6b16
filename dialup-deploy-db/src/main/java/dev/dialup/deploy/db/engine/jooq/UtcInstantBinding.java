package dev.dialup.deploy.db.engine.jooq;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jooq.Converter;

/** DATETIME columns: UTC text in SQLite, {@link Instant} in Java. */
public final class UtcInstantBinding extends TextBinding<LocalDateTime, Instant> {
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
        return StoredTime.format(value);
    }

    @Override
    protected Instant parse(String text) {
        return StoredTime.parseInstant(text);
    }
}
