package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.generated.Tables.ORGANIZATIONS;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_MEMBERS;
import static dev.dialup.deploy.db.generated.Tables.SITES;
import static dev.dialup.deploy.db.generated.Tables.USERS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.access.TenantFilter;
import dev.dialup.deploy.db.audit.AuditLogRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.core.TestScopes;
import dev.dialup.deploy.db.engine.FactsRow;
import dev.dialup.deploy.db.generated.tables.records.SitesRecord;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import dev.dialup.deploy.db.usage.UsageRepository;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How {@link TenantFilter} reads the caller's current facts (issue 9, after the overhead fix):
 * one look-up per decision in the running transaction, never cached across calls, and in the
 * same snapshot as the rows the decision guards. Complements {@code StaleScopeAttackTest} (the
 * attacks) with the properties of the mechanism itself.
 */
@BothEngines
class CurrentFactsTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    Fixtures f;
    SiteRepository sites;
    OrganizationRepository orgs;
    long owner, orgAdmin, member, root, stranger;
    long org, orgSite, personalSite, strangerSite;

    @BeforeEach
    void open() {
        db = temp.db();
        f = new Fixtures(db);
        sites = new SiteRepository(db);
        orgs = new OrganizationRepository(db);
        owner = f.user("owner");
        orgAdmin = f.user("orgadmin");
        member = f.user("member");
        stranger = f.user("stranger");
        root = f.admin("root");
        org = f.org("Acme", owner);
        f.member(org, orgAdmin, OrgRole.ADMIN);
        f.member(org, member, OrgRole.MEMBER);
        orgSite = f.orgSite("Acme Web", org);
        personalSite = f.personalSite("Member Blog", member);
        strangerSite = f.personalSite("Stranger Blog", stranger);
    }

    AccessScope scope(long id) {
        return new AccessScopes(db).forUser(id);
    }

    boolean holds(Predicate<DSLContext> check) {
        return db.read(TestDb.system(db), check::test);
    }

    Optional<OrgRole> role(AccessScope scope) {
        return db.read(TestDb.system(db), dsl -> TenantFilter.roleIn(dsl, scope, org));
    }

    List<Long> listed(AccessScope scope) {
        return sites.list(scope, SiteFilter.ALL, null, 50).items().stream()
                .map(Site::id)
                .toList();
    }

    @Test
    void aChangeMadeEarlierInTheSameWriteIsSeenByTheNextDecision() {
        AccessScope m = scope(member);
        db.writeVoid(TestDb.system(db), tx -> {
            assertThat(TenantFilter.requireVisibleSite(tx, m, orgSite).getId()).isEqualTo(orgSite);
            tx.deleteFrom(ORGANIZATION_MEMBERS)
                    .where(ORGANIZATION_MEMBERS.USER_ID.eq(member))
                    .execute();
            // facts are not cached within the transaction: the removal counts at once
            assertThatThrownBy(() -> TenantFilter.requireVisibleSite(tx, m, orgSite))
                    .isInstanceOf(NotFoundException.class);
            assertThat(TenantFilter.requireVisibleSite(tx, m, personalSite).getId())
                    .isEqualTo(personalSite);
            tx.update(USERS)
                    .set(USERS.IS_ACTIVE, false)
                    .where(USERS.ID.eq(member))
                    .execute();
            assertThatThrownBy(() -> TenantFilter.requireVisibleSite(tx, m, personalSite))
                    .isInstanceOf(NotFoundException.class);
        });
    }

    @Test
    void aGrantMadeEarlierInTheSameWriteIsUsableAtOnce() {
        AccessScope s = scope(stranger);
        db.writeVoid(TestDb.system(db), tx -> {
            assertThat(tx.fetchCount(SITES, TenantFilter.siteVisible(tx, s, SITES)))
                    .isEqualTo(1);
            tx.insertInto(ORGANIZATION_MEMBERS)
                    .set(ORGANIZATION_MEMBERS.ORGANIZATION_ID, org)
                    .set(ORGANIZATION_MEMBERS.USER_ID, stranger)
                    .set(ORGANIZATION_MEMBERS.ROLE, "admin")
                    .execute();
            assertThat(tx.fetchCount(SITES, TenantFilter.siteVisible(tx, s, SITES)))
                    .isEqualTo(2);
            SitesRecord site = TenantFilter.requireManageableSite(tx, s, orgSite);
            assertThat(site.getId()).isEqualTo(orgSite);
            tx.update(USERS)
                    .set(USERS.IS_ADMIN, true)
                    .where(USERS.ID.eq(stranger))
                    .execute();
            assertThat(tx.fetchCount(SITES, TenantFilter.siteVisible(tx, s, SITES)))
                    .isEqualTo(3);
        });
    }

    @Test
    void factsAndTheRowsTheyGuardComeFromOneReadSnapshot() {
        AccessScope m = scope(member);
        List<Long> inside = db.read(TestDb.system(db), dsl -> {
            // the first read fixes this transaction's snapshot
            assertThat(TenantFilter.requireVisibleSite(dsl, m, orgSite).getId()).isEqualTo(orgSite);
            // another thread deactivates the member and commits meanwhile
            CompletableFuture.runAsync(() -> new UserRepository(db).deactivate(scope(root), member))
                    .join();
            // still one consistent snapshot: the facts read now are the snapshot's, as are the rows
            return dsl.select(SITES.ID)
                    .from(SITES)
                    .where(TenantFilter.siteVisible(dsl, m, SITES))
                    .orderBy(SITES.ID)
                    .fetch(SITES.ID);
        });
        assertThat(inside).containsExactly(orgSite, personalSite);
        // the next transaction sees the deactivation
        assertThat(listed(m)).isEmpty();
    }

    @Test
    void onPostgresAUsersReadCarriesTheFactsItsFirstRoundTripRead() {
        FactsRow attached = db.read(scope(orgAdmin), dsl -> FactsRow.attached(dsl, orgAdmin));
        if (!TempDatabase.onPostgres()) {
            // SQLite has no round trips to save: the facts are read by the first decision, as before
            assertThat(attached).isNull();
            return;
        }
        assertThat(attached).isEqualTo(new FactsRow(orgAdmin, true, false, org + ":admin"));
        // only for the transaction's own user, and only in a read: system reads and writes ask when they decide
        FactsRow another = db.read(scope(orgAdmin), dsl -> FactsRow.attached(dsl, member));
        FactsRow inSystemRead = db.read(TestDb.system(db), dsl -> FactsRow.attached(dsl, orgAdmin));
        FactsRow inWrite = db.write(scope(orgAdmin), dsl -> FactsRow.attached(dsl, orgAdmin));
        assertThat(another).isNull();
        assertThat(inSystemRead).isNull();
        assertThat(inWrite).isNull();
        // a deactivation counts from the next read on
        new UserRepository(db).deactivate(scope(root), orgAdmin);
        FactsRow afterDeactivation = db.read(scope(orgAdmin), dsl -> FactsRow.attached(dsl, orgAdmin));
        assertThat(afterDeactivation).isEqualTo(new FactsRow(orgAdmin, false, false, null));
        assertThat(listed(scope(orgAdmin))).isEmpty();
    }

    @Test
    void decisionsTakeTheFactsAttachedToTheTransactionForItsUserOnly() {
        AccessScope m = scope(member);
        // the member's facts as an inactive user, attached to the read: every decision for them then refuses
        int withInactiveRow = db.read(m, dsl -> {
            new FactsRow(member, false, false, null).attach(dsl);
            return dsl.fetchCount(SITES, TenantFilter.siteVisible(dsl, m, SITES));
        });
        assertThat(withInactiveRow).isZero();
        // a row for another user is not taken: the member's own facts are read
        int withOthersRow = db.read(m, dsl -> {
            new FactsRow(stranger, false, false, null).attach(dsl);
            return dsl.fetchCount(SITES, TenantFilter.siteVisible(dsl, m, SITES));
        });
        assertThat(withOthersRow).isEqualTo(2);
    }

    @Test
    void aDeactivatedUserSeesNothingThroughAnyListing() {
        AccessScope o = scope(owner);
        assertThat(listed(o)).containsExactly(orgSite);
        assertThat(orgs.listMine(o)).extracting(Organization::id).containsExactly(org);
        assertThat(new AuditLogRepository(db).list(o, null, null, 50)).isNotNull();
        f.deactivateUser(owner);

        assertThat(listed(o)).isEmpty();
        assertThat(orgs.listMine(o)).isEmpty();
        assertThatThrownBy(() -> orgs.find(o, org)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> new UserRepository(db).find(o, owner)).isInstanceOf(NotFoundException.class);
        assertThat(new UsageRepository(db).latestForVisibleSites(o)).isEmpty();
        assertThatThrownBy(() -> new AuditLogRepository(db).list(o, null, null, 50))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> new AuditLogRepository(db).list(o, org, null, 50))
                .isInstanceOf(NotFoundException.class);
        assertThat(holds(dsl -> TenantFilter.isAdmin(dsl, o))).isFalse();
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, o))).isFalse();
        assertThat(role(o)).isEmpty();
    }

    @Test
    void aDeactivatedSystemAdminSeesNothingEither() {
        AccessScope r = scope(root);
        assertThat(listed(r)).containsExactlyInAnyOrder(orgSite, personalSite, strangerSite);
        assertThat(new UserRepository(db).find(r, stranger).id()).isEqualTo(stranger);
        f.deactivateUser(root);

        assertThat(listed(r)).isEmpty();
        assertThatThrownBy(() -> new UserRepository(db).find(r, stranger)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> orgs.find(r, org)).isInstanceOf(NotFoundException.class);
        assertThat(holds(dsl -> TenantFilter.isAdmin(dsl, r))).isFalse();
    }

    /** A scope whose user row is gone (deleted with raw SQL) is treated as a deactivated user. */
    @Test
    void aScopeForAMissingUserSeesAndManagesNothing() {
        AccessScope ghost = TestScopes.user(999_999);
        assertThat(listed(ghost)).isEmpty();
        assertThat(orgs.listMine(ghost)).isEmpty();
        assertThat(holds(dsl -> TenantFilter.isAdmin(dsl, ghost))).isFalse();
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, ghost)))
                .isFalse();
        assertThatThrownBy(() -> db.read(TestDb.system(db), dsl -> TenantFilter.requireActiveUser(dsl, ghost, "x")))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> sites.find(ghost, personalSite)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void theSystemScopeHasNoMembershipsButPassesEveryManagerCheck() {
        AccessScope sys = TestDb.system(db);
        Optional<OrgRole> sysRole = db.read(TestDb.system(db), dsl -> TenantFilter.roleIn(dsl, sys, org));
        assertThat(sysRole).isEmpty();
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, sys))).isFalse();
        assertThat(holds(dsl -> TenantFilter.isAdmin(dsl, sys))).isTrue();
        assertThat(listed(sys)).containsExactlyInAnyOrder(orgSite, personalSite, strangerSite);
        db.read(TestDb.system(db), dsl -> {
            TenantFilter.requireOrganizationOwner(dsl, sys, org, "x");
            TenantFilter.requireOrganizationManager(dsl, sys, org, "x");
            return TenantFilter.requireManageableSite(dsl, sys, personalSite);
        });
        assertThatThrownBy(
                        () -> db.read(TestDb.system(db), dsl -> TenantFilter.requireManageableSite(dsl, sys, 424_242)))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void aRemovedMemberSeesOnlyWhatIsStillTheirs() {
        AccessScope m = scope(member);
        assertThat(listed(m)).containsExactlyInAnyOrder(orgSite, personalSite);
        orgs.removeMember(scope(owner), org, member);

        assertThat(listed(m)).containsExactly(personalSite);
        assertThat(orgs.listMine(m)).isEmpty();
        assertThatThrownBy(() -> sites.find(m, orgSite)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> orgs.find(m, org)).isInstanceOf(NotFoundException.class);
        assertThat(role(m)).isEmpty();
    }

    @Test
    void managingIsDecidedOnTheCurrentRoleAndFlags() {
        SitesRecord orgRow = db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(SITES).where(SITES.ID.eq(orgSite)).fetchOne());
        SitesRecord personalRow = db.read(
                TestDb.system(db),
                dsl -> dsl.selectFrom(SITES).where(SITES.ID.eq(personalSite)).fetchOne());
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(owner), orgRow)))
                .isTrue();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(orgAdmin), orgRow)))
                .isTrue();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(member), orgRow)))
                .isFalse();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(member), personalRow)))
                .isTrue();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(orgAdmin), personalRow)))
                .isFalse();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(root), personalRow)))
                .isTrue();
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, TestDb.system(db), personalRow)))
                .isTrue();

        f.deactivateUser(member);
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(member), personalRow)))
                .isFalse();
        orgs.changeRole(scope(owner), org, orgAdmin, OrgRole.MEMBER);
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(orgAdmin), orgRow)))
                .isFalse();
        assertThatThrownBy(() -> db.read(
                        TestDb.system(db), dsl -> TenantFilter.requireManageableSite(dsl, scope(orgAdmin), orgSite)))
                .isInstanceOf(AccessDeniedException.class);
        f.deactivateOrg(org);
        assertThat(holds(dsl -> TenantFilter.canManage(dsl, scope(owner), orgRow)))
                .isFalse();
        assertThatThrownBy(() -> db.read(
                        TestDb.system(db), dsl -> TenantFilter.requireManageableSite(dsl, scope(owner), orgSite)))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void organizationRoleChecksUseTheCurrentRole() {
        AccessScope a = scope(orgAdmin);
        db.read(TestDb.system(db), dsl -> {
            TenantFilter.requireOrganizationManager(dsl, a, org, "x");
            return null;
        });
        assertThatThrownBy(() -> db.read(TestDb.system(db), dsl -> {
                    TenantFilter.requireOrganizationOwner(dsl, a, org, "x");
                    return null;
                }))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, a))).isTrue();
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, scope(member))))
                .isFalse();

        orgs.changeRole(scope(owner), org, orgAdmin, OrgRole.MEMBER);
        assertThatThrownBy(() -> db.read(TestDb.system(db), dsl -> {
                    TenantFilter.requireOrganizationManager(dsl, a, org, "x");
                    return null;
                }))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(holds(dsl -> TenantFilter.managesAnyOrganization(dsl, a))).isFalse();
        assertThat(role(a)).contains(OrgRole.MEMBER);
        // a system admin manages and owns for these checks without being a member
        db.read(TestDb.system(db), dsl -> {
            TenantFilter.requireOrganizationOwner(dsl, scope(root), org, "x");
            TenantFilter.requireOrganizationManager(dsl, scope(root), org, "x");
            return null;
        });
    }

    /**
     * Above 999 organization ids jOOQ inlines them instead of binding (SQLite's classic variable
     * limit); the literal-id condition must still decide correctly there.
     */
    @Test
    void aUserInMoreOrganizationsThanSqliteHasBindVariablesStillSeesExactlyTheirSites() {
        int n = 1_050;
        long[] ids = db.write(TestDb.system(db), tx -> {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = tx.insertInto(ORGANIZATIONS)
                        .set(ORGANIZATIONS.NAME, "Many " + i)
                        .set(ORGANIZATIONS.SLUG, "many-" + i)
                        .set(ORGANIZATIONS.OWNER_ID, stranger)
                        .returning(ORGANIZATIONS.ID)
                        .fetchOne()
                        .getId();
            }
            return out;
        });
        long first = f.orgSite("Many First", ids[0]);
        long last = f.orgSite("Many Last", ids[n - 1]);
        AccessScope s = scope(stranger);
        assertThat(listed(s)).containsExactlyInAnyOrder(first, last, strangerSite);
        assertThat(orgs.listMine(s)).hasSize(n);
        assertThat(listed(scope(member))).containsExactlyInAnyOrder(orgSite, personalSite);

        f.deactivateOrg(ids[n - 1]);
        assertThat(listed(s)).containsExactlyInAnyOrder(first, strangerSite);
        assertThat(orgs.listMine(s)).hasSize(n - 1);
    }
}
