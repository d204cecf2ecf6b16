package dev.dialup.deploy.db.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.NotFoundException;
import dev.dialup.deploy.db.admin.AdminPanelRepository;
import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 9, behaviour 1, as the attack: a scope built BEFORE a change in the caller's facts is
 * used after it. Each kind of stale scope (deactivated user, removed organization admin,
 * demoted organization admin, deactivated organization, demoted system admin) is tried on a
 * read and on writes; every denied call must change nothing (DbSnapshot). The opposite trap —
 * a scope built before a grant — must see the grant at once.
 */
@BothEngines
class StaleScopeAttackTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    Fixtures f;
    UserRepository users;
    OrganizationRepository orgs;
    SiteRepository sites;
    EnvironmentRepository env;
    AccessScope system;
    long owner, orgAdmin, member, root, root2, victim;
    long org, orgSite, personalSite;

    @BeforeEach
    void open() {
        db = temp.db();
        ActorWorld.setConfig(db, ConfigKeys.BCRYPT_COST, "4");
        f = new Fixtures(db);
        users = new UserRepository(db);
        orgs = new OrganizationRepository(db);
        sites = new SiteRepository(db);
        env = new EnvironmentRepository(db, SecretsKeyset.generate());
        system = TestDb.system(db);
        owner = f.user("owner");
        orgAdmin = f.user("orgadmin");
        member = f.user("member");
        victim = f.user("victim");
        root = f.admin("root");
        root2 = f.admin("root2");
        org = f.org("Acme", owner);
        f.member(org, orgAdmin, OrgRole.ADMIN);
        f.member(org, member, OrgRole.MEMBER);
        orgSite = f.orgSite("Acme Web", org);
        personalSite = f.personalSite("Member Blog", member);
        env.set(system, orgSite, "DB_PASSWORD", "hunter2-secret", true);
    }

    AccessScope scope(long id) {
        return new AccessScopes(db).forUser(id);
    }

    /** The call fails with {@code type} and the database is byte-for-byte unchanged. */
    void deniedAndNothingWritten(Class<? extends Throwable> type, ThrowingCallable call) {
        Map<String, List<String>> before = DbSnapshot.of(db);
        assertThatThrownBy(call).isInstanceOf(type);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @Test
    void aDeactivatedUsersOldScopeNeitherReadsNorWritesNorReactivatesItself() {
        AccessScope stale = scope(member);
        assertThat(sites.find(stale, personalSite).id()).isEqualTo(personalSite);
        users.deactivate(scope(root), member);

        deniedAndNothingWritten(NotFoundException.class, () -> sites.find(stale, personalSite));
        deniedAndNothingWritten(NotFoundException.class, () -> sites.find(stale, orgSite));
        assertThat(sites.list(stale, dev.dialup.deploy.db.sites.SiteFilter.ALL, null, 50)
                        .items())
                .isEmpty();
        deniedAndNothingWritten(NotFoundException.class, () -> users.reactivate(stale, member));
        deniedAndNothingWritten(
                NotFoundException.class,
                () -> sites.update(stale, personalSite, SiteConfig.defaults().withActive(false)));
        deniedAndNothingWritten(NotFoundException.class, () -> sites.delete(stale, personalSite));
        deniedAndNothingWritten(AccessDeniedException.class, () -> orgs.create(stale, "Comeback", null, null));
        assertThat(orgs.listMine(stale)).isEmpty();
    }

    @Test
    void anOrganizationAdminRemovedFromTheOrganizationLosesSecretsWritesAndInvitations() {
        AccessScope stale = scope(orgAdmin);
        assertThat(env.get(stale, orgSite, "DB_PASSWORD").secretValue().reveal())
                .isEqualTo("hunter2-secret");
        orgs.removeMember(scope(owner), org, orgAdmin);

        deniedAndNothingWritten(NotFoundException.class, () -> env.get(stale, orgSite, "DB_PASSWORD"));
        deniedAndNothingWritten(NotFoundException.class, () -> env.list(stale, orgSite));
        deniedAndNothingWritten(NotFoundException.class, () -> env.set(stale, orgSite, "INJECTED", "x", false));
        deniedAndNothingWritten(NotFoundException.class, () -> orgs.invite(stale, org, "victim", OrgRole.ADMIN));
        deniedAndNothingWritten(NotFoundException.class, () -> orgs.addMember(stale, org, victim, OrgRole.ADMIN));
        deniedAndNothingWritten(NotFoundException.class, () -> orgs.changeRole(stale, org, member, OrgRole.ADMIN));
    }

    @Test
    void anOrganizationAdminDemotedToMemberNoLongerManages() {
        AccessScope stale = scope(orgAdmin);
        orgs.changeRole(scope(owner), org, orgAdmin, OrgRole.MEMBER);

        // still a member: reads the site, but secrets are masked now
        assertThat(sites.find(stale, orgSite).id()).isEqualTo(orgSite);
        var variable = env.get(stale, orgSite, "DB_PASSWORD");
        assertThat(variable.masked()).isTrue();
        assertThat(variable.secretValue()).isNull();
        deniedAndNothingWritten(AccessDeniedException.class, () -> sites.delete(stale, orgSite));
        deniedAndNothingWritten(
                AccessDeniedException.class,
                () -> sites.update(stale, orgSite, SiteConfig.defaults().withActive(false)));
        deniedAndNothingWritten(AccessDeniedException.class, () -> env.set(stale, orgSite, "INJECTED", "x", false));
        deniedAndNothingWritten(AccessDeniedException.class, () -> orgs.invite(stale, org, "victim", OrgRole.MEMBER));
        deniedAndNothingWritten(AccessDeniedException.class, () -> orgs.changeRole(stale, org, member, OrgRole.ADMIN));
        deniedAndNothingWritten(AccessDeniedException.class, () -> orgs.rename(stale, org, "Hijacked"));
    }

    @Test
    void aDeactivatedOrganizationGrantsItsMembersNothing() {
        AccessScope staleMember = scope(member);
        AccessScope staleAdmin = scope(orgAdmin);
        orgs.deactivate(scope(owner), org);

        deniedAndNothingWritten(NotFoundException.class, () -> sites.find(staleMember, orgSite));
        deniedAndNothingWritten(NotFoundException.class, () -> orgs.find(staleMember, org));
        deniedAndNothingWritten(NotFoundException.class, () -> env.get(staleAdmin, orgSite, "DB_PASSWORD"));
        deniedAndNothingWritten(
                NotFoundException.class,
                () -> sites.update(staleAdmin, orgSite, SiteConfig.defaults().withActive(false)));
        deniedAndNothingWritten(NotFoundException.class, () -> orgs.invite(staleAdmin, org, "victim", OrgRole.MEMBER));
        assertThat(orgs.listMine(staleMember)).isEmpty();
        // the member's personal site is unaffected
        assertThat(sites.find(staleMember, personalSite).id()).isEqualTo(personalSite);
    }

    @Test
    void aDemotedSystemAdminCannotRePromoteItselfNorDemoteTheAdminWhoDemotedIt() {
        AccessScope stale = scope(root);
        AdminPanelRepository panel = new AdminPanelRepository(db);
        assertThat(panel.users(stale, null, 10).items()).isNotEmpty();
        users.setSystemAdmin(scope(root2), root, false);

        deniedAndNothingWritten(AccessDeniedException.class, () -> users.setSystemAdmin(stale, root, true));
        deniedAndNothingWritten(NotFoundException.class, () -> users.setSystemAdmin(stale, root2, false));
        deniedAndNothingWritten(NotFoundException.class, () -> users.find(stale, victim));
        deniedAndNothingWritten(AccessDeniedException.class, () -> panel.users(stale, null, 10));
        deniedAndNothingWritten(NotFoundException.class, () -> sites.find(stale, orgSite));
        deniedAndNothingWritten(NotFoundException.class, () -> sites.delete(stale, personalSite));
        deniedAndNothingWritten(
                AccessDeniedException.class,
                () -> users.register(stale, "sockpuppet", "sock@example.test", "a fine password", null));
        assertThat(users.find(scope(root2), root2).admin()).isTrue();
    }

    @Test
    void aScopeBuiltBeforeAGrantSeesTheGrantAtOnce() {
        AccessScope early = scope(victim);
        // newcomer trap: create an organization, then manage it with the same scope
        long mine = orgs.create(early, "Victim Co", null, null).id();
        Invitation inv = orgs.invite(early, mine, "member", OrgRole.MEMBER);
        assertThat(inv.organizationId()).isEqualTo(mine);
        assertThat(orgs.invitations(early, mine)).extracting(Invitation::id).containsExactly(inv.id());

        // joining by invitation takes effect for the scope the invitee already holds
        AccessScope memberEarly = scope(member);
        orgs.acceptInvitation(memberEarly, inv.id());
        assertThat(orgs.find(memberEarly, mine).id()).isEqualTo(mine);

        // a promotion takes effect for the promoted user's existing scope
        assertThatThrownBy(() -> users.find(early, root)).isInstanceOf(NotFoundException.class);
        users.setSystemAdmin(scope(root), victim, true);
        assertThat(users.find(early, root).id()).isEqualTo(root);
    }
}
