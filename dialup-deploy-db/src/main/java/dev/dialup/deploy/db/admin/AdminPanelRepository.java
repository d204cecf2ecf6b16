package dev.dialup.deploy.db.admin;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.count;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.noCondition;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.sum;
import static org.jooq.impl.DSL.when;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.PageCursor;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.generated.tables.OrganizationMembers;
import dev.dialup.deploy.db.generated.tables.Organizations;
import dev.dialup.deploy.db.generated.tables.Sites;
import dev.dialup.deploy.db.generated.tables.Users;
import java.math.BigDecimal;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.SelectJoinStep;

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

    // Counts per row: correlated subqueries on indexed foreign keys.
    private static final Field<Integer> SITE_COUNT =
            field(select(count()).from(S).where(S.OWNER_ID.eq(U.ID))).as("site_count");
    private static final Field<Integer> ORG_COUNT =
            field(select(count()).from(M).where(M.USER_ID.eq(U.ID))).as("org_count");
    private static final Field<Integer> MEMBER_COUNT =
            field(select(count()).from(M).where(M.ORGANIZATION_ID.eq(O.ID))).as("member_count");
    private static final Field<Integer> ACTIVE_SITES = field(select(coalesce(
                                    sum(when(S.IS_ACTIVE.isTrue(), inline(1)).otherwise(inline(0))),
                                    inline(BigDecimal.ZERO))
                            .cast(Integer.class))
                    .from(S)
                    .where(S.ORGANIZATION_ID.eq(O.ID)))
            .as("active_sites");
    private static final Field<Integer> INACTIVE_SITES = field(select(coalesce(
                                    sum(when(S.IS_ACTIVE.isTrue(), inline(0)).otherwise(inline(1))),
                                    inline(BigDecimal.ZERO))
                            .cast(Integer.class))
                    .from(S)
                    .where(S.ORGANIZATION_ID.eq(O.ID)))
            .as("inactive_sites");

    /** Every user with the number of personal sites they own and organizations they belong to. */
    public Page<UserSummary> users(AccessScope scope, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        return db.read(scope, dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "the admin panel");
            var rows = selectUsers(dsl)
                    .where(after == null ? noCondition() : U.ID.gt(after.id()))
                    .orderBy(U.ID)
                    .limit(n + 1)
                    .fetch(AdminPanelRepository::toUserSummary);
            return Page.of(rows, n, u -> PageCursor.ofId(u.id()));
        });
    }

    /** Every organization with its member count and its sites split by active flag. */
    public Page<OrganizationSummary> organizations(AccessScope scope, PageCursor after, int limit) {
        int n = Page.checkLimit(limit);
        return db.read(scope, dsl -> {
            TenantFilter.requireAdmin(dsl, scope, "the admin panel");
            var rows = selectOrganizations(dsl)
                    .where(after == null ? noCondition() : O.ID.gt(after.id()))
                    .orderBy(O.ID)
                    .limit(n + 1)
                    .fetch(AdminPanelRepository::toOrganizationSummary);
            return Page.of(rows, n, o -> PageCursor.ofId(o.id()));
        });
    }

    private static SelectJoinStep<? extends Record> selectUsers(DSLContext dsl) {
        return dsl.select(U.ID, U.USERNAME, U.EMAIL, U.IS_ACTIVE, U.IS_ADMIN, U.CREATED_AT, SITE_COUNT, ORG_COUNT)
                .from(U);
    }

    private static SelectJoinStep<? extends Record> selectOrganizations(DSLContext dsl) {
        return dsl.select(
                        O.ID,
                        O.NAME,
                        O.SLUG,
                        O.OWNER_ID,
                        O.IS_ACTIVE,
                        O.CREATED_AT,
                        MEMBER_COUNT,
                        ACTIVE_SITES,
                        INACTIVE_SITES)
                .from(O);
    }

    private static UserSummary toUserSummary(Record r) {
        return new UserSummary(
                r.get(U.ID),
                r.get(U.USERNAME),
                r.get(U.EMAIL),
                Boolean.TRUE.equals(r.get(U.IS_ACTIVE)),
                Boolean.TRUE.equals(r.get(U.IS_ADMIN)),
                r.get(U.CREATED_AT),
                r.get(SITE_COUNT),
                r.get(ORG_COUNT));
    }

    private static OrganizationSummary toOrganizationSummary(Record r) {
        return new OrganizationSummary(
                r.get(O.ID),
                r.get(O.NAME),
                r.get(O.SLUG),
                r.get(O.OWNER_ID),
                Boolean.TRUE.equals(r.get(O.IS_ACTIVE)),
                r.get(O.CREATED_AT),
                r.get(MEMBER_COUNT),
                r.get(ACTIVE_SITES),
                r.get(INACTIVE_SITES));
    }
}
