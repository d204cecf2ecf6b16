package dev.dialup.deploy.db.core;

import dev.dialup.deploy.db.engine.DatabaseEngine;
import dev.dialup.deploy.db.engine.FactsRow;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.jooq.DSLContext;

/**
 * The statements that open a transaction — the engine's set-up (isolation, lock timeout), the caller's identity for
 * row-level security, and for a user's read the user's facts, all in one round trip — and the identity switches
 * inside a joined write. {@link Transactions} (pools, retries, error translation) opens the transactions and calls
 * these; split from it by job.
 */
final class TransactionStart {
    /** The engine's first statement of each write / read transaction (isolation, lock timeout), or null. */
    private final String writeSetup;

    private final String readSetup;

    /** The first statement of an append-only write transaction. */
    private final String appendSetup;

    /** The engine's identity statement (row-level security), or null when it has none. */
    private final String identitySetup;

    /**
     * A read transaction's set-up, identity and the user's facts as one prepared statement ({@link #beginRead}), or
     * null when the engine has no row-level security or no facts statement of its own.
     */
    private final String readFactsSetup;

    /** The identity the joined write on this thread currently carries. */
    private final ThreadLocal<Identity> currentIdentity = new ThreadLocal<>();

    TransactionStart(DatabaseEngine engine, Duration busyTimeout) {
        this.writeSetup = engine.transactionSetup(true, busyTimeout);
        this.readSetup = engine.transactionSetup(false, busyTimeout);
        this.appendSetup = engine.appendTransactionSetup(busyTimeout);
        this.identitySetup = engine.identitySetup();
        this.readFactsSetup = identitySetup == null || engine.factsSql() == null
                ? null
                : (readSetup == null ? "" : readSetup + "; ") + identitySetup + "; " + engine.factsSql();
    }

    /**
     * Opens a write transaction on {@code tx} for {@code identity} (with {@code appendOnly}, the engine's
     * {@linkplain DatabaseEngine#appendTransactionSetup append set-up}) and remembers the identity for the joined
     * calls on this thread until {@link #endWrite}.
     */
    void beginWrite(DSLContext tx, Identity identity, boolean appendOnly) {
        begin(tx, appendOnly ? appendSetup : writeSetup, identity);
        currentIdentity.set(identity);
    }

    void endWrite() {
        currentIdentity.remove();
    }

    /**
     * Runs the engine's transaction set-up as the transaction's first statement and, when the transaction is
     * opened for an access scope on an engine with row-level security, the identity statement right after it —
     * both in one prepared statement, which the driver sends as one round trip (PostgreSQL: two statements,
     * one Sync). The set-up still runs first, before anything takes the transaction's snapshot.
     */
    private void begin(DSLContext tx, String setup, Identity identity) {
        boolean withIdentity = identitySetup != null && identity != Identity.NONE;
        if (!withIdentity) {
            if (setup != null) {
                tx.connection(c -> {
                    try (Statement st = c.createStatement()) {
                        st.execute(setup);
                    }
                });
            }
            return;
        }
        runWithIdentity(tx, setup == null ? identitySetup : setup + "; " + identitySetup, identity);
    }

    /**
     * Opens a read transaction; for a user identity on an engine with row-level security the same round trip also
     * reads the user's facts and attaches them to the transaction ({@link FactsRow}), so the access layer does not
     * ask again: a read changes no fact, and its one snapshot would return the same row. Saves one of the four round
     * trips of a user's read on PostgreSQL (docs/PERFORMANCE.md, "Session 11").
     */
    void beginRead(DSLContext tx, Identity identity) {
        if (readFactsSetup == null
                || identity.userSetting().isEmpty()
                || !identity.systemSetting().isEmpty()) {
            begin(tx, readSetup, identity);
            return;
        }
        long uid = Long.parseLong(identity.userSetting());
        tx.connection(c -> {
            try (PreparedStatement ps = c.prepareStatement(readFactsSetup)) {
                ps.setString(1, identity.userSetting());
                ps.setString(2, identity.systemSetting());
                ps.setLong(3, uid);
                // Results in order: the set-up's update counts, the identity's row, the facts row (the second row set).
                FactsRow row = null;
                int rowSets = 0;
                for (boolean rows = ps.execute(); rows || ps.getUpdateCount() != -1; rows = ps.getMoreResults()) {
                    if (rows && ++rowSets == 2) {
                        try (ResultSet rs = ps.getResultSet()) {
                            row = FactsRow.read(rs, uid);
                        }
                    }
                }
                if (row == null) {
                    throw new IllegalStateException("The read set-up returned no facts row");
                }
                row.attach(tx);
            }
        });
    }

    /** Runs {@code sql}, whose two bind parameters are the identity's settings (user, system). */
    private static void runWithIdentity(DSLContext tx, String sql, Identity identity) {
        tx.connection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, identity.userSetting());
                ps.setString(2, identity.systemSetting());
                ps.execute();
            }
        });
    }

    /**
     * Sets the caller's identity for the engine's row-level security as transaction-local settings
     * with bind parameters (nothing when the engine has none, or for {@link Identity#NONE}: a
     * transaction opened without an access scope carries no identity and sees no tenant row).
     */
    private void claim(DSLContext tx, Identity identity) {
        if (identitySetup == null || identity == Identity.NONE) {
            return;
        }
        runWithIdentity(tx, identitySetup, identity);
    }

    /**
     * Inside a joined write: a call without a scope inherits the identity in force (it is part of
     * the caller's transaction); a call for another scope claims that one until it returns.
     * Returns the identity to restore, or null.
     */
    Identity switchIdentity(DSLContext tx, Identity identity) {
        Identity outer = currentIdentity.get();
        if (identitySetup == null || identity == Identity.NONE || identity.equals(outer)) {
            return null;
        }
        claim(tx, identity);
        currentIdentity.set(identity);
        return outer == null ? Identity.NONE : outer;
    }

    /** Puts back the identity {@link #switchIdentity} returned (nothing for null). */
    void restoreIdentity(DSLContext tx, Identity outer) {
        if (outer == null) {
            return;
        }
        claim(tx, outer == Identity.NONE ? Identity.CLEARED : outer);
        currentIdentity.set(outer);
    }
}
