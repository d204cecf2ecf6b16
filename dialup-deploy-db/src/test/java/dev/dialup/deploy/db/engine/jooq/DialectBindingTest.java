package dev.dialup.deploy.db.engine.jooq;

import static dev.dialup.deploy.db.generated.Tables.SITE_USAGE_DAILY;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

/**
 * What the time bindings render and bind on each dialect, without a database (the round trips through real
 * databases: {@code postgres.EngineRoundTripPropertyTest}, {@code postgres.PostgresGeneratedCodeSmokeTest},
 * {@code TimeStorageTest}).
 */
class DialectBindingTest {
    static final Instant T = Instant.parse("2026-01-02T03:04:05.678912345Z");

    @Test
    void postgresBindValuesCarryTheirTypeAndInlinedValuesAreUtcLiteralsTruncatedToMillis() {
        var pg = DSL.using(SQLDialect.POSTGRES);
        assertThat(pg.render(USERS.UPDATED_AT.eq(T))).isEqualTo("\"users\".\"updated_at\" = cast(? as timestamptz)");
        assertThat(pg.renderInlined(USERS.UPDATED_AT.eq(T)))
                .isEqualTo("\"users\".\"updated_at\" = cast('2026-01-02 03:04:05.678+00' as timestamptz)");
        assertThat(pg.renderInlined(USERS.UPDATED_AT.eq((Instant) null))).contains("cast(null as timestamptz)");
        LocalDate d = LocalDate.of(1582, 10, 15);
        assertThat(pg.render(SITE_USAGE_DAILY.DATE.eq(d))).isEqualTo("\"site_usage_daily\".\"date\" = cast(? as date)");
        assertThat(pg.renderInlined(SITE_USAGE_DAILY.DATE.eq(d)))
                .isEqualTo("\"site_usage_daily\".\"date\" = cast('1582-10-15' as date)");
    }

    @Test
    void sqliteKeepsPlainTextBindValuesAndLiterals() {
        var lite = DSL.using(SQLDialect.SQLITE);
        assertThat(lite.render(USERS.UPDATED_AT.eq(T))).isEqualTo("`users`.`updated_at` = ?");
        assertThat(lite.renderInlined(USERS.UPDATED_AT.eq(T)))
                .isEqualTo("`users`.`updated_at` = '2026-01-02 03:04:05.678'");
        assertThat(lite.renderInlined(SITE_USAGE_DAILY.DATE.eq(LocalDate.of(1, 1, 1))))
                .isEqualTo("`site_usage_daily`.`date` = '0001-01-01'");
    }

    @Test
    void storedInstantsAreTruncatedNeverRoundedWithinYears0001To9999() {
        assertThat(StoredTime.storable(Instant.parse("1999-12-31T23:59:59.9999999Z")))
                .isEqualTo(Instant.parse("1999-12-31T23:59:59.999Z"));
        // before 1970 truncation goes towards the past, like the text form
        assertThat(StoredTime.storable(Instant.EPOCH.minusNanos(1))).isEqualTo(Instant.EPOCH.minusMillis(1));
        assertThat(StoredTime.format(Instant.EPOCH.minusNanos(1))).isEqualTo("1969-12-31 23:59:59.999");
        assertThat(StoredTime.storable(StoredTime.FIRST)).isEqualTo(StoredTime.FIRST);
        assertThat(StoredTime.storable(StoredTime.LAST.plusNanos(999_999))).isEqualTo(StoredTime.LAST);
        assertThatThrownBy(() -> StoredTime.storable(StoredTime.LAST.plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the storable range 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999Z");
        assertThatThrownBy(() -> StoredTime.storable(StoredTime.FIRST.minusNanos(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StoredTime.storable(LocalDate.of(10_000, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0001-01-01..9999-12-31");
        assertThatThrownBy(() -> StoredTime.storable(LocalDate.of(0, 12, 31)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(StoredTime.storable(StoredTime.LAST_DATE)).isEqualTo(LocalDate.of(9999, 12, 31));
    }

    @Test
    void postgresValuesAreUtcOffsetDateTimesAndLiterals() {
        assertThat(StoredTime.toOffsetDateTime(T))
                .isEqualTo(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 678_000_000, ZoneOffset.UTC));
        assertThat(StoredTime.postgresLiteral(StoredTime.FIRST)).isEqualTo("0001-01-01 00:00:00.000+00");
        assertThat(StoredTime.postgresLiteral(StoredTime.LAST.plusNanos(5))).isEqualTo("9999-12-31 23:59:59.999+00");
        assertThatThrownBy(() -> StoredTime.toOffsetDateTime(Instant.MAX)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bindingsRefuseUnstorableValuesOnBothDialectsWhenInlined() {
        Instant tooLate = Instant.parse("+10000-01-01T00:00:00Z");
        for (SQLDialect d : new SQLDialect[] {SQLDialect.SQLITE, SQLDialect.POSTGRES}) {
            assertThatThrownBy(() -> DSL.using(d).renderInlined(USERS.UPDATED_AT.eq(tooLate)))
                    .hasStackTraceContaining("outside the storable range");
        }
    }
}
