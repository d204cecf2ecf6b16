package dev.dialup.deploy.db.core;

/**
 * Who a transaction acts for, as the engine's row-level security sees it (PostgreSQL: the
 * transaction-local settings {@code dialup.user_id} and {@code dialup.system}). Built from an
 * {@link AccessScope} by {@link DialupDatabase}; a system scope of another database object counts
 * as no identity.
 */
record Identity(String userSetting, String systemSetting) {
    /** No identity claimed: the transaction was opened without an access scope. */
    static final Identity NONE = new Identity("", "");

    /** Explicitly empty settings: used to drop an identity inside a joined transaction. */
    static final Identity CLEARED = new Identity("", "");

    static final Identity SYSTEM = new Identity("", "on");

    static Identity user(long userId) {
        return new Identity(Long.toString(userId), "");
    }
}
