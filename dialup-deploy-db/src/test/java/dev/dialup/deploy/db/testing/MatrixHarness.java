package dev.dialup.deploy.db.testing;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ConflictException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.core.DialupDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jooq.impl.DSL;

/**
 * The one cell check of every cross-tenant matrix test ({@code *MatrixTest}): an allowed call runs; a
 * refused call raises exactly the documented exception, a {@link NotFoundException} reads exactly like the
 * one for a missing row (same type, same message — nothing tells "exists but hidden" from "does not exist"),
 * and no table changed ({@link DbSnapshot}).
 */
public final class MatrixHarness {
    private MatrixHarness() {}

    /** What a call by an actor must do. */
    public enum Outcome {
        OK,
        NOT_FOUND,
        DENIED,
        CONFLICT
    }

    /** The message shape of a not-found, for every resource type the repositories report. */
    private static final String NOT_FOUND_MESSAGE =
            "(site|organization|user|member|domain|invitation|deployment|process|environment variable) [^ ]+ not found";

    /**
     * Checks one cell: {@code OK} runs the call and returns its result; any other outcome is
     * {@link #assertRefused(DialupDatabase, Outcome, ThrowingCallable) asserted refused}.
     */
    public static Object check(DialupDatabase db, Outcome expected, Callable<?> call) throws Exception {
        if (expected == Outcome.OK) return call.call();
        assertRefused(db, expected, call::call);
        return null;
    }

    /**
     * Like {@link #check(DialupDatabase, Outcome, Callable)}, and a {@code NOT_FOUND} must name exactly the
     * resource the caller asked for (e.g. {@code "site", siteId}: "site 7 not found").
     */
    public static Object check(
            DialupDatabase db, Outcome expected, String missingType, Object missingId, Callable<?> call)
            throws Exception {
        if (expected == Outcome.OK) return call.call();
        Throwable t = assertRefused(db, expected, call::call);
        if (expected == Outcome.NOT_FOUND) {
            assertThat(t).hasMessage(new NotFoundException(missingType, missingId).getMessage());
        }
        return null;
    }

    /** A refused call, compared with a snapshot taken just before it. */
    public static Throwable assertRefused(DialupDatabase db, Outcome expected, ThrowingCallable call) {
        return assertRefused(db, expected, DbSnapshot.of(db), call);
    }

    /**
     * A refused call: exactly the exception of {@code expected}, a not-found message identical to a missing
     * row's, and every table equal to {@code before}.
     */
    public static Throwable assertRefused(
            DialupDatabase db, Outcome expected, Map<String, List<String>> before, ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        switch (expected) {
            case NOT_FOUND -> {
                assertThat(t).isExactlyInstanceOf(NotFoundException.class);
                NotFoundException nf = (NotFoundException) t;
                // Exactly the message a missing resource of that type and id produces: nothing added
                // that would tell "exists but hidden" from "does not exist".
                assertThat(nf.getMessage())
                        .matches(NOT_FOUND_MESSAGE)
                        .isEqualTo(new NotFoundException(nf.resourceType(), nf.resourceId()).getMessage());
            }
            case DENIED -> assertThat(t).isExactlyInstanceOf(AccessDeniedException.class);
            case CONFLICT -> assertThat(t).isExactlyInstanceOf(ConflictException.class);
            case OK -> throw new IllegalArgumentException("an allowed call is not refused");
        }
        assertThat(DbSnapshot.of(db)).as("a refused call changes no table").isEqualTo(before);
        return t;
    }

    /** What an allowed call returned and which audit actions it wrote, in order. */
    public record RolledBack(Object result, List<String> auditActions) {}

    /**
     * Runs an allowed call inside a write transaction that is rolled back afterwards, so every cell starts
     * from the same rows; returns its result and the audit actions it wrote.
     */
    public static RolledBack runAndRollBack(DialupDatabase db, Callable<?> call) {
        Object[] result = new Object[1];
        List<String> audit = new ArrayList<>();
        Throwable t = catchThrowable(() -> TestDb.writeVoid(db, tx -> {
            Long max =
                    tx.select(DSL.max(AUDIT_LOG.ID)).from(AUDIT_LOG).fetchOne().value1();
            long maxBefore = max == null ? 0 : max;
            try {
                result[0] = call.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            audit.addAll(tx.select(AUDIT_LOG.ACTION)
                    .from(AUDIT_LOG)
                    .where(AUDIT_LOG.ID.gt(maxBefore))
                    .fetch(AUDIT_LOG.ACTION));
            throw new Rollback();
        }));
        assertThat(t).as("allowed call").isInstanceOf(Rollback.class);
        return new RolledBack(result[0], audit);
    }

    private static final class Rollback extends RuntimeException {
        Rollback() {
            super(null, null, false, false);
        }
    }
}
