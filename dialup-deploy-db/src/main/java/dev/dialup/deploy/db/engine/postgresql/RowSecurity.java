package dev.dialup.deploy.db.engine.postgresql;

/**
 * Names shared by the library and PostgreSQL's row-level security policies (migration V62,
 * docs/tenancy.md "Row-level security").
 */
public final class RowSecurity {
    /** Transaction-local setting holding the caller's user id ({@code ""} for none). */
    public static final String USER_SETTING = "dialup.user_id";

    /**
     * The schema of V62's access mirrors (users, organizations, memberships for the policies): PostgreSQL only,
     * outside the library's schema, no privilege for any other role; rebuilt after a bulk load, never copied.
     */
    public static final String MIRROR_SCHEMA = "dialup_rls";

    /** Transaction-local setting, {@code "on"} for the system capability of the database's own system scope. */
    public static final String SYSTEM_SETTING = "dialup.system";

    /**
     * Claims the system capability for the rest of the transaction open on {@code c} (auto-commit off): for
     * operations run by the operator as the owner — moving, verifying, dumping, counting — which must see every
     * row. Transaction-local, like the library's own identities.
     */
    public static void actAsSystem(java.sql.Connection c) throws java.sql.SQLException {
        try (java.sql.PreparedStatement ps =
                c.prepareStatement("select set_config('" + SYSTEM_SETTING + "', 'on', true)")) {
            ps.execute();
        }
    }

    /** Rebuilds the access mirrors after a bulk load with user triggers off (needs {@link #actAsSystem} first). */
    public static void refreshMirrors(java.sql.Connection c) throws java.sql.SQLException {
        try (java.sql.Statement st = c.createStatement()) {
            st.execute("select dialup_rls_refresh()");
        }
    }

    private RowSecurity() {}
}
