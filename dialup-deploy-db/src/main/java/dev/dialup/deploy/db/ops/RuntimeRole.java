package dev.dialup.deploy.db.ops;

import dev.dialup.deploy.db.StorageException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.engine.JdbcUrls;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Gives PostgreSQL's runtime role what services need, and nothing more (docs/tenancy.md, "Row-level
 * security on PostgreSQL"; docs/OPERATIONS.md).
 *
 * <p>Two roles: the <b>owner</b> runs the migrations and owns every object; the <b>runtime</b> role the
 * services connect with owns nothing, is neither superuser nor {@code BYPASSRLS}, and is not a member of
 * the owner (it could otherwise {@code SET ROLE} to it). {@link #grant} runs as the owner: it checks those
 * facts about the runtime role, then grants {@code USAGE} on the schema, {@code SELECT, INSERT, UPDATE,
 * DELETE} on its tables and {@code USAGE, SELECT} on its sequences — also by default for tables later
 * migrations create — except the migration history, which it may only read. The access mirrors of row-level
 * security live in their own schema ({@code dialup_rls}), on which it gets nothing. Idempotent: run it after every
 * {@code migrate}.
 */
public final class RuntimeRole {
    /** A plain PostgreSQL role name: the library quotes it, and refuses anything that would need more. */
    public static final Pattern NAME = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");

    private RuntimeRole() {}

    /** What {@link #grant} did. */
    public record Report(String role, String schema, int tables, int sequences) {}

    /**
     * Grants {@code role} the runtime privileges on the database at {@code ownerLocation}
     * ({@code jdbc:postgresql://…}, connecting as the owner).
     *
     * @throws ValidationException if the name is not a plain role name, the role does not exist, is a
     *     superuser, has {@code BYPASSRLS}, is the connecting (owner) role, owns objects in the schema, or is a
     *     member of the owner role
     * @throws StorageException if the database cannot be reached or refuses the grants
     */
    public static Report grant(String ownerLocation, String role) {
        Objects.requireNonNull(ownerLocation, "ownerLocation");
        if (role == null || !NAME.matcher(role).matches()) {
            throw new ValidationException(
                    "role", "must be a plain role name: 1 to 63 of a-z, 0-9 and '_', not starting with a digit");
        }
        if (!JdbcUrls.isPostgres(ownerLocation)) {
            throw new ValidationException("db", "runtime roles exist on PostgreSQL only (jdbc:postgresql://…)");
        }
        try (Connection c = JdbcUrls.postgresDataSource(ownerLocation).getConnection()) {
            c.setAutoCommit(false);
            String schema;
            String owner;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select current_schema(), current_user")) {
                rs.next();
                schema = rs.getString(1);
                owner = rs.getString(2);
            }
            requireRuntimeRole(c, role, owner, schema);
            String r = '"' + role + '"';
            String s = '"' + schema.replace("\"", "\"\"") + '"';
            int tables = count(c, "select count(*) from pg_tables where schemaname = ?", schema);
            int sequences = count(c, "select count(*) from pg_sequences where schemaname = ?", schema);
            try (Statement st = c.createStatement()) {
                st.execute("GRANT USAGE ON SCHEMA " + s + " TO " + r);
                st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r);
                st.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + s
                        + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + r);
                st.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA " + s + " GRANT USAGE, SELECT ON SEQUENCES TO " + r);
                if (count(
                                c,
                                "select count(*) from pg_tables where schemaname = ? and tablename = 'flyway_schema_history'",
                                schema)
                        > 0) {
                    st.execute("REVOKE INSERT, UPDATE, DELETE ON " + s + ".flyway_schema_history FROM " + r);
                }
            }
            c.commit();
            return new Report(role, schema, tables, sequences);
        } catch (SQLException e) {
            throw new StorageException(
                    StorageException.Reason.SERVER_UNAVAILABLE,
                    JdbcUrls.redact(ownerLocation),
                    "could not grant the runtime role (" + e.getSQLState() + ")",
                    null);
        }
    }

    private static void requireRuntimeRole(Connection c, String role, String owner, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select rolsuper, rolbypassrls, pg_has_role(?, ?, 'MEMBER')" + " from pg_roles where rolname = ?")) {
            ps.setString(1, role);
            ps.setString(2, owner);
            ps.setString(3, role);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new ValidationException("role", "no such role: create it first (CREATE ROLE … LOGIN)");
                }
                if (rs.getBoolean(1) || rs.getBoolean(2)) {
                    throw new ValidationException(
                            "role", "is a superuser or has BYPASSRLS: row-level security would not apply");
                }
                if (rs.getBoolean(3)) {
                    throw new ValidationException(
                            "role", "is the owner role or a member of it: the runtime role must own nothing");
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("select count(*) from pg_class k join pg_namespace n on n.oid ="
                + " k.relnamespace join pg_roles o on o.oid = k.relowner where n.nspname = ? and o.rolname = ?")) {
            ps.setString(1, schema);
            ps.setString(2, role);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    throw new ValidationException(
                            "role", "owns objects in schema " + schema + ": the runtime role must own nothing");
                }
            }
        }
    }

    private static int count(Connection c, String sql, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
