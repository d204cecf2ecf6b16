package dev.dialup.deploy.db.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Phase 2 of the plan: turn a legacy database's processes into sites.
 * <ul>
 *   <li>each distinct {@code processes.site} becomes a {@code sites} row with a unique slug
 *       derived from the name, its {@code site_type} derived from the process type and its
 *       port taken from the most recently started process of that site;</li>
 *   <li>the sites are owned by a default administrator ({@value #ADMIN_USERNAME}) whose
 *       password hash is the locked marker {@value #LOCKED_PASSWORD_HASH}: nobody can log
 *       in as it until a password is set;</li>
 *   <li>{@code processes.site_id} is linked and every site gets its default limits row.</li>
 * </ul>
 * A Java migration because slugs need Unicode folding that SQLite's SQL cannot do. It only
 * moves data, so the build's schema-only codegen database does not need it.
 */
public class V3__Adopt_legacy_sites extends BaseJavaMigration {
    public static final String ADMIN_USERNAME = "admin";
    public static final String ADMIN_EMAIL = "admin@localhost";
    /** Not a valid hash of anything: the account is locked until a password is set. */
    public static final String LOCKED_PASSWORD_HASH = "!locked";

    private record LegacySite(String name, String type, int port) {}

    @Override
    public void migrate(Context context) throws Exception {
        Connection c = context.getConnection();
        List<LegacySite> legacy = legacySites(c);
        if (legacy.isEmpty()) {
            return;
        }
        long adminId = createAdmin(c);
        Set<String> taken = new HashSet<>();
        try (PreparedStatement site = c.prepareStatement(
                        "INSERT INTO sites (name, slug, owner_id, site_type, port) VALUES (?, ?, ?, ?, ?) RETURNING id");
                PreparedStatement link = c.prepareStatement("UPDATE processes SET site_id = ? WHERE site = ?");
                PreparedStatement limits =
                        c.prepareStatement("INSERT INTO site_resource_limits (site_id) VALUES (?)")) {
            for (LegacySite s : legacy) {
                String slug = FrozenSlugs.unique(FrozenSlugs.slugify(s.name()), taken::contains);
                taken.add(slug);
                site.setString(1, s.name());
                site.setString(2, slug);
                site.setLong(3, adminId);
                site.setString(4, siteType(s.type()));
                if (s.port() >= 1 && s.port() <= 65535) {
                    site.setInt(5, s.port());
                } else {
                    site.setNull(5, java.sql.Types.INTEGER);
                }
                long siteId;
                try (ResultSet rs = site.executeQuery()) {
                    rs.next();
                    siteId = rs.getLong(1);
                }
                link.setLong(1, siteId);
                link.setString(2, s.name());
                link.executeUpdate();
                limits.setLong(1, siteId);
                limits.executeUpdate();
            }
        }
    }

    /** One row per distinct site name, with the type and port of its most recently started process. */
    private static List<LegacySite> legacySites(Connection c) throws SQLException {
        List<LegacySite> out = new ArrayList<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("""
                     SELECT site, type, port FROM (
                       SELECT site, type, port,
                              row_number() OVER (PARTITION BY site ORDER BY startTime DESC, id DESC) AS rn
                         FROM processes)
                      WHERE rn = 1
                      ORDER BY site""")) {
            while (rs.next()) {
                out.add(new LegacySite(rs.getString(1), rs.getString(2), rs.getInt(3)));
            }
        }
        return out;
    }

    private static long createAdmin(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO users (username, email, password_hash, display_name, is_active, is_admin)
                VALUES (?, ?, ?, 'Administrator (migrated)', 1, 1) RETURNING id""")) {
            ps.setString(1, ADMIN_USERNAME);
            ps.setString(2, ADMIN_EMAIL);
            ps.setString(3, LOCKED_PASSWORD_HASH);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Legacy process types map onto the three site types; anything unknown runs a process, so 'dynamic'. */
    static String siteType(String legacyType) {
        String t = legacyType == null ? "" : legacyType.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "static" -> "static";
            case "docker", "container" -> "docker";
            default -> "dynamic";
        };
    }

    /**
     * The slug rules as they were when this migration was written (a copy of {@code sites.Slugs}
     * at V3): an applied migration must do the same thing forever, whatever later changes the
     * live rules.
     */
    static final class FrozenSlugs {
        static final int MAX_LENGTH = 63;
        private static final Pattern MARKS = Pattern.compile("\\p{M}+");
        private static final Pattern NON_ALNUM = Pattern.compile("[^a-z0-9]+");

        private FrozenSlugs() {}

        static String slugify(String name) {
            String folded = MARKS.matcher(Normalizer.normalize(name == null ? "" : name, Normalizer.Form.NFKD))
                    .replaceAll("");
            String slug = NON_ALNUM.matcher(folded.toLowerCase(Locale.ROOT)).replaceAll("-");
            slug = trimDashes(slug);
            if (slug.length() > MAX_LENGTH) {
                slug = trimDashes(slug.substring(0, MAX_LENGTH));
            }
            return slug.isEmpty() ? "site" : slug;
        }

        static String unique(String base, Predicate<String> taken) {
            if (!taken.test(base)) {
                return base;
            }
            for (int n = 2; ; n++) {
                String suffix = "-" + n;
                String stem = base.length() + suffix.length() > MAX_LENGTH
                        ? trimDashes(base.substring(0, MAX_LENGTH - suffix.length()))
                        : base;
                String candidate = stem + suffix;
                if (!taken.test(candidate)) {
                    return candidate;
                }
            }
        }

        private static String trimDashes(String s) {
            int start = 0;
            int end = s.length();
            while (start < end && s.charAt(start) == '-') start++;
            while (end > start && s.charAt(end - 1) == '-') end--;
            return s.substring(start, end);
        }
    }
}
