package dev.dialup.deploy.db.migration;

import com.ibm.icu.text.Normalizer2;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Issue 10, input hardening (2 of 3): fills the columns V50 added, so that V52 can put UNIQUE
 * indexes on them. Existing rows that would collide under the new rules are resolved here,
 * oldest row (lowest id) first, each change recorded as one {@code audit_log} row by the actor
 * {@value #ACTOR}:
 * <ul>
 *   <li><b>names</b> ({@code organizations}, {@code sites}): {@code name_key} is the Unicode
 *       NFKC_Casefold of the name. The oldest row keeps its name; each later row whose key is
 *       taken is renamed {@code "<name> (2)"}, {@code "<name> (3)"} … (first free key). Slugs
 *       stay, so links keep working. Audit action {@code organization.rename}/{@code site.rename}.</li>
 *   <li><b>subdomains</b>: the oldest site keeps it; later sites with the same subdomain (any
 *       case) get none. Audit action {@code site.update}.</li>
 *   <li><b>host names</b>: every {@code site_domains} row claims its host first (they were
 *       already unique); then each {@code sites.domain}, oldest site first. A {@code sites.domain}
 *       already claimed (by a custom domain of any site, or by an older site's domain) is
 *       cleared. Audit action {@code site.update}.</li>
 * </ul>
 * The logic is frozen here (it does not call the repositories), so later changes to the
 * application cannot change what this migration did.
 */
public class V51__Backfill_input_keys extends BaseJavaMigration {
    public static final String ACTOR = "migration V51";
    /** Loaded on first use, not when open() reads this migration's version (ICU's data costs start-up time). */
    private static final class Casefold {
        static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();
    }

    private static final int NAME_MAX = 100;

    private record Row(long id, String value, Long organizationId) {}

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        backfillNames(c, "organizations", "organization", "id");
        backfillNames(c, "sites", "site", "organization_id");
        dedupeSubdomains(c);
        claimHostNames(c);
    }

    static String key(String name) {
        return Casefold.NFKC_CASEFOLD.normalize(name);
    }

    private static void backfillNames(Connection c, String table, String targetType, String orgColumn)
            throws SQLException {
        List<Row> rows = rows(c, "SELECT id, name, " + orgColumn + " FROM " + table + " ORDER BY id");
        Set<String> taken = new HashSet<>();
        for (Row r : rows) taken.add(key(r.value()));
        Set<String> kept = new HashSet<>();
        try (PreparedStatement setKey = c.prepareStatement("UPDATE " + table + " SET name_key = ? WHERE id = ?");
                PreparedStatement rename =
                        c.prepareStatement("UPDATE " + table + " SET name = ?, name_key = ? WHERE id = ?")) {
            for (Row r : rows) {
                String k = key(r.value());
                if (kept.add(k)) {
                    setKey.setString(1, k);
                    setKey.setLong(2, r.id());
                    setKey.executeUpdate();
                    continue;
                }
                String renamed = null;
                for (int n = 2; renamed == null; n++) {
                    String suffix = " (" + n + ")";
                    String base = r.value().length() + suffix.length() > NAME_MAX
                            ? r.value().substring(0, NAME_MAX - suffix.length())
                            : r.value();
                    String candidate = base + suffix;
                    String ck = key(candidate);
                    if (!taken.contains(ck) && !kept.contains(ck)) renamed = candidate;
                }
                String rk = key(renamed);
                kept.add(rk);
                taken.add(rk);
                rename.setString(1, renamed);
                rename.setString(2, rk);
                rename.setLong(3, r.id());
                rename.executeUpdate();
                audit(
                        c,
                        targetType + ".rename",
                        targetType,
                        r.id(),
                        r.organizationId(),
                        "from",
                        r.value(),
                        "to",
                        renamed,
                        "reason",
                        "name equal to an older " + targetType + "'s ignoring case and Unicode form");
            }
        }
    }

    private static void dedupeSubdomains(Connection c) throws SQLException {
        List<Row> rows =
                rows(c, "SELECT id, subdomain, organization_id FROM sites WHERE subdomain IS NOT NULL ORDER BY id");
        Set<String> seen = new HashSet<>();
        for (Row r : rows) {
            if (seen.add(r.value().toLowerCase(Locale.ROOT))) continue;
            clear(c, "subdomain", r);
            audit(
                    c,
                    "site.update",
                    "site",
                    r.id(),
                    r.organizationId(),
                    "cleared",
                    "subdomain",
                    "value",
                    r.value(),
                    "reason",
                    "subdomain held by an older site");
        }
    }

    private static void claimHostNames(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO site_host_names (host, site_id, site_domain_id) "
                    + "SELECT lower(domain), site_id, id FROM site_domains ORDER BY id");
        }
        List<Row> rows = rows(c, "SELECT id, domain, organization_id FROM sites WHERE domain IS NOT NULL ORDER BY id");
        try (PreparedStatement exists = c.prepareStatement("SELECT 1 FROM site_host_names WHERE host = ?");
                PreparedStatement claim =
                        c.prepareStatement("INSERT INTO site_host_names (host, site_id) VALUES (?, ?)")) {
            for (Row r : rows) {
                String host = r.value().toLowerCase(Locale.ROOT);
                exists.setString(1, host);
                boolean taken;
                try (ResultSet rs = exists.executeQuery()) {
                    taken = rs.next();
                }
                if (!taken) {
                    claim.setString(1, host);
                    claim.setLong(2, r.id());
                    claim.executeUpdate();
                    continue;
                }
                clear(c, "domain", r);
                audit(
                        c,
                        "site.update",
                        "site",
                        r.id(),
                        r.organizationId(),
                        "cleared",
                        "domain",
                        "value",
                        r.value(),
                        "reason",
                        "host name claimed by a custom domain or an older site");
            }
        }
    }

    private static void clear(Connection c, String column, Row r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE sites SET " + column + " = NULL WHERE id = ?")) {
            ps.setLong(1, r.id());
            ps.executeUpdate();
        }
    }

    private static List<Row> rows(Connection c, String sql) throws SQLException {
        List<Row> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                long org = rs.getLong(3);
                Long organizationId = rs.wasNull() ? null : org;
                out.add(new Row(rs.getLong(1), rs.getString(2), organizationId));
            }
        }
        return out;
    }

    /** One audit row; details built by SQLite's json_object from key/value pairs. */
    private static void audit(
            Connection c, String action, String targetType, long targetId, Long organizationId, String... details)
            throws SQLException {
        StringBuilder json = new StringBuilder("json_object(");
        for (int i = 0; i < details.length; i++) json.append(i == 0 ? "?" : ", ?");
        json.append(')');
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_log (actor_label, action, target_type, target_id, organization_id, details) "
                        + "VALUES (?, ?, ?, ?, ?, " + json + ")")) {
            ps.setString(1, ACTOR);
            ps.setString(2, action);
            ps.setString(3, targetType);
            ps.setString(4, Long.toString(targetId));
            if (organizationId == null) ps.setNull(5, java.sql.Types.INTEGER);
            else ps.setLong(5, organizationId);
            for (int i = 0; i < details.length; i++) ps.setString(6 + i, details[i]);
            ps.executeUpdate();
        }
    }
}
