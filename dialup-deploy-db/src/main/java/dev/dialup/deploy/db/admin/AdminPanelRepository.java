package dev.dialup.deploy.db.admin;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.when;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.Users;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.access.TenantFilter;
import org.jooq.Field;

/**
 * The admin panel's read models, for system admins (and the system scope) only. Both lists
 * are keyset-paginated by id (ascending), counts come from correlated subqueries on indexed
 * foreign keys, so a page costs {@code limit} index lookups whatever the table sizes.
 */
public final class AdminPanelRepository {
    private static final Users U = USERS;
    private static final Organizations O = ORGANIZATIONS;
    private static final OrganizationMembers M = ORGANIZATION_MEMBERS;
    private static final Sites S = SITES;

    private final DialupDatabase db;

    public AdminPanelRepository(DialupDatabase db) {
        this.db = db;
    }

    /** Every user with the number of personal sites they own and organizations they belong to. */
    public Page<UserSummary> users(AccessScope scope, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        Field<Integer> sites = field(select(count()).from(S).where(S.OWNER_ID.eq(U.ID))).as("site_count");
        Field<Integer> orgs = field(select(count()).from(M).where(M.USER_ID.eq(U.ID))).as("org_count");
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "the admin panel");
            var rows = dsl.select(U.ID, U.USERNAME, U.EMAIL, U.IS_ACTIVE, U.IS_ADMIN, U.CREATED_AT, sites, orgs)
                    .from(U)
                    .where(after == null ? org.jooq.impl.DSL.noCondition() : U.ID.gt(after.id()))
                    .orderBy(U.ID).limit(n + 1)
                    .fetch(r -> new UserSummary(r.get(U.ID), r.get(U.USERNAME), r.get(U.EMAIL), Boolean.TRUE.equals(r.get(U.IS_ACTIVE)),
                            Boolean.TRUE.equals(r.get(U.IS_ADMIN)), r.get(U.CREATED_AT), r.get(sites), r.get(orgs)));
            return Page.of(rows, n, u -> PageCursor.ofId(u.id()));
        });
    }

    /** Every organization with its member count and its sites split by active flag. */
    public Page<OrganizationSummary> organizations(AccessScope scope, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        Field<Integer> members = field(select(count()).from(M).where(M.ORGANIZATION_ID.eq(O.ID))).as("member_count");
        Field<Integer> active = field(select(coalesce(sum(when(S.IS_ACTIVE.isTrue(), inline(1)).otherwise(inline(0))), inline(java.math.BigDecimal.ZERO)).cast(Integer.class))
                .from(S).where(S.ORGANIZATION_ID.eq(O.ID))).as("active_sites");
        Field<Integer> inactive = field(select(coalesce(sum(when(S.IS_ACTIVE.isTrue(), inline(0)).otherwise(inline(1))), inline(java.math.BigDecimal.ZERO)).cast(Integer.class))
                .from(S).where(S.ORGANIZATION_ID.eq(O.ID))).as("inactive_sites");
        return db.read(dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "the admin panel");
            var rows = dsl.select(O.ID, O.NAME, O.SLUG, O.OWNER_ID, O.IS_ACTIVE, O.CREATED_AT, members, active, inactive)
                    .from(O)
                    .where(after == null ? org.jooq.impl.DSL.noCondition() : O.ID.gt(after.id()))
                    .orderBy(O.ID).limit(n + 1)
                    .fetch(r -> new OrganizationSummary(r.get(O.ID), r.get(O.NAME), r.get(O.SLUG), r.get(O.OWNER_ID),
                            Boolean.TRUE.equals(r.get(O.IS_ACTIVE)), r.get(O.CREATED_AT), r.get(members), r.get(active), r.get(inactive)));
            return Page.of(rows, n, o -> PageCursor.ofId(o.id()));
        });
    }
}
