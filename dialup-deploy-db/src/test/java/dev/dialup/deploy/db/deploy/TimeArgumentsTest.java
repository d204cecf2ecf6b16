package dev.dialup.deploy.db.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Inputs;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MutableClock;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Time arguments outside the usage package (issue 10): out-of-range instants and durations are a
 * ValidationException naming the parameter — never ArithmeticException, DateTimeException or a
 * raw jOOQ error — and write nothing; the extreme values still allowed round-trip exactly.
 */
@BothEngines
class TimeArgumentsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String INSTANT_PROBLEM =
            "startTime: must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z";

    @RegisterExtension
    final TempDatabase temp = TempDatabase.create().clock(new MutableClock(T0));

    DialupDatabase db;
    ActorWorld actors;
    ProcessRepository repo;
    AccessScope sys;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        repo = new ProcessRepository(db);
        sys = actors.system();
        repo.register(sys, spec("existing", T0));
    }

    private ProcessSpec spec(String id, Instant start) {
        return new ProcessSpec(
                id,
                actors.orgSite,
                "ctr-" + id,
                4242,
                3000,
                "running",
                "docker",
                "npm start",
                "/srv/app",
                start,
                null,
                null,
                null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {"MIN", "MAX", "+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59Z", "+292278994-08-17T07:12:55.808Z"
            })
    void processStartTimesOutOfRangeAreRefusedOnRegisterAndUpdate(String which) {
        Instant bad = switch (which) {
            case "MIN" -> Instant.MIN;
            case "MAX" -> Instant.MAX;
            default -> Instant.parse(which);
        };
        var before = DbSnapshot.of(db);

        Throwable register = catchThrowable(() -> repo.register(sys, spec("new", bad)));
        Throwable update = catchThrowable(() -> repo.update(sys, spec("existing", bad)));

        assertThat(register).isInstanceOf(ValidationException.class).hasMessage(INSTANT_PROBLEM);
        assertThat(update).isInstanceOf(ValidationException.class).hasMessage(INSTANT_PROBLEM);
        assertThat(((ValidationException) register).field()).isEqualTo("startTime");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void theExtremeStartTimesAllowedRoundTripExactly() {
        assertThat(repo.register(sys, spec("late", Inputs.INSTANT_MAX)).startTime())
                .isEqualTo(Inputs.INSTANT_MAX);
        assertThat(repo.find(sys, "late").startTime()).isEqualTo(Inputs.INSTANT_MAX);
        assertThat(repo.register(sys, spec("early", Inputs.INSTANT_MIN)).startTime())
                .isEqualTo(Inputs.INSTANT_MIN);
        assertThat(repo.find(sys, "early").startTime()).isEqualTo(Inputs.INSTANT_MIN);
    }

    @Test
    void healthCheckWindowsOutOfRangeAreRefused() {
        var before = DbSnapshot.of(db);
        for (Duration bad : new Duration[] {
            Duration.ofSeconds(Long.MAX_VALUE),
            Duration.ofSeconds(Long.MIN_VALUE),
            Duration.ofDays(36_501),
            Duration.ofMillis(-1),
            null
        }) {
            Throwable t = catchThrowable(() -> repo.dueForHealthCheck(sys, bad, 10));
            assertThat(t)
                    .as(String.valueOf(bad))
                    .isInstanceOf(ValidationException.class)
                    .hasMessage(
                            bad == null
                                    ? "olderThan: must not be null"
                                    : "olderThan: must be between zero and 36500 days");
        }
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
        assertThat(repo.dueForHealthCheck(sys, Duration.ofDays(36_500), 10))
                .extracting(ProcessInfo::id)
                .containsExactly("existing");
        assertThat(repo.dueForHealthCheck(sys, Duration.ZERO, 10))
                .extracting(ProcessInfo::id)
                .containsExactly("existing");
    }

    @Test
    void theLimitsAreMillisecondPrecise() {
        Instant justAfter = Inputs.INSTANT_MAX.plus(1, ChronoUnit.MILLIS);
        assertThat(catchThrowable(() -> repo.register(sys, spec("x", justAfter))))
                .hasMessage(INSTANT_PROBLEM);
        Instant justBefore = Inputs.INSTANT_MIN.minusNanos(1);
        assertThat(catchThrowable(() -> repo.register(sys, spec("x", justBefore))))
                .hasMessage(INSTANT_PROBLEM);
    }
}
