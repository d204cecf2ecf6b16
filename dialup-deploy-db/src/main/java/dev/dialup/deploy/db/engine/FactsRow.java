package dev.dialup.deploy.db.engine;

import java.sql.ResultSet;
import java.sql.SQLException;
import org.jooq.DSLContext;

/**
 * One user's access facts as a facts statement returns them ({@link DatabaseEngine#factsSql}, or the core's query
 * on the tables): the active and admin flags and {@code "orgId:role,…"} for the active organizations the user
 * belongs to (null for none). Read by the access layer before every decision; on an engine with row-level security
 * the core reads the caller's row already in a read transaction's first round trip and leaves it on the
 * transaction's configuration ({@link #attach}), where the access layer takes it instead of asking again.
 */
public record FactsRow(long userId, boolean active, boolean admin, String memberships) {
    /** Key of the row in a transaction's {@code Configuration.data()}: private to this class. */
    private static final Object KEY = new Object();

    /** The row on {@code rs} (positioned before it) for {@code userId}; none, or a NULL flag, is an inactive user. */
    public static FactsRow read(ResultSet rs, long userId) throws SQLException {
        if (!rs.next() || !rs.getBoolean(1)) {
            return new FactsRow(userId, false, false, null);
        }
        return new FactsRow(userId, true, rs.getBoolean(2), rs.getString(3));
    }

    /**
     * Leaves the row on the configuration of the transaction {@code tx} runs in. Only for a transaction that can
     * change no fact (a read, on one snapshot): a second read of the facts in it would return the same row.
     */
    public void attach(DSLContext tx) {
        tx.configuration().data(KEY, this);
    }

    /** The row attached to {@code dsl}'s transaction for {@code userId}, or null. */
    public static FactsRow attached(DSLContext dsl, long userId) {
        return dsl.configuration().data(KEY) instanceof FactsRow row && row.userId == userId ? row : null;
    }
}
