package dev.dialup.deploy.db.tenancy;

import static dev.dialup.deploy.db.testing.ActorWorld.Actor.DEACTIVATED_ORG_MEMBER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.DEACTIVATED_USER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.ORG_ADMIN;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.ORG_MEMBER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.ORG_OWNER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.PERSONAL_OWNER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.STRANGER;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.SYSTEM;
import static dev.dialup.deploy.db.testing.ActorWorld.Actor.SYSTEM_ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.Page;
import dev.dialup.deploy.db.admin.AdminPanelRepository;
import dev.dialup.deploy.db.audit.AuditEntry;
import dev.dialup.deploy.db.audit.AuditLogRepository;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.ResourceLimits;
import dev.dialup.deploy.db.sites.Site;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteDomainRepository;
import dev.dialup.deploy.db.sites.SiteFilter;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.MatrixHarness;
import dev.dialup.deploy.db.testing.MatrixHarness.Outcome;
import dev.dialup.deploy.db.testing.TempDatabase;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The cross-tenant matrix: every public method of the tenancy, sites, audit and admin
 * repositories, called by every actor of {@link ActorWorld}, against the documented
 * outcome (docs/tenancy.md). Allowed calls run inside a write transaction that is rolled
 * back afterwards ({@link MatrixHarness#runAndRollBack}), so every cell starts from the same
 * world; they must write exactly one audit row when they mutate (with the documented action)
 * and none when they read. Denied calls run for real and must leave every table unchanged
 * ({@link MatrixHarness#assertRefused}).
 */
@BothEngines
public class TenancyMatrixTest {
    @FunctionalInterface
    interface Call {
        Object run(Ctx c, AccessScope scope, Actor actor);
    }

    /** One matrix row: a method on a target, the expected outcome per actor, the audit action its success writes. */
    record Row(
            String method,
            String target,
            Call call,
            Map<Actor, Outcome> expect,
            String auditAction,
            BiConsumer<Actor, Object> check) {}

    record Ctx(
            ActorWorld w,
            UserRepository users,
            OrganizationRepository orgs,
            SiteRepository sites,
            SiteLimitsRepository limits,
            SiteDomainRepository domains,
            AuditLogRepository audit,
            AdminPanelRepository admin) {}

    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    // ---- expected outcomes -------------------------------------------------------------------

    static Map<Actor, Outcome> expect(Outcome otherwise, Object... pairs) {
        Map<Actor, Outcome> m = new EnumMap<>(Actor.class);
        for (Actor a : Actor.values()) m.put(a, otherwise);
        for (int i = 0; i < pairs.length; i += 2) {
            Outcome o = (Outcome) pairs[i + 1];
            if (pairs[i] instanceof Actor a) m.put(a, o);
            else for (Actor a : (Actor[]) pairs[i]) m.put(a, o);
        }
        return m;
    }

    static Actor[] of(Actor... a) {
        return a;
    }

    static final Actor[] ADMINS = of(SYSTEM_ADMIN, SYSTEM);
    static final Actor[] ORG_READERS = of(ORG_MEMBER, ORG_ADMIN, ORG_OWNER, SYSTEM_ADMIN, SYSTEM);
    static final Actor[] ORG_MANAGERS = of(ORG_ADMIN, ORG_OWNER, SYSTEM_ADMIN, SYSTEM);
    static final Actor[] ACTIVE_USERS =
            of(STRANGER, ORG_MEMBER, ORG_ADMIN, ORG_OWNER, PERSONAL_OWNER, SYSTEM_ADMIN, DEACTIVATED_ORG_MEMBER);

    static final Map<Actor, Outcome> READ_ORG_SITE = expect(Outcome.NOT_FOUND, ORG_READERS, Outcome.OK);
    static final Map<Actor, Outcome> MANAGE_ORG_SITE =
            expect(Outcome.NOT_FOUND, ORG_MANAGERS, Outcome.OK, ORG_MEMBER, Outcome.DENIED);
    static final Map<Actor, Outcome> PERSONAL_SITE =
            expect(Outcome.NOT_FOUND, of(PERSONAL_OWNER, SYSTEM_ADMIN, SYSTEM), Outcome.OK);
    static final Map<Actor, Outcome> ADMINS_ONLY_SEE = expect(Outcome.NOT_FOUND, ADMINS, Outcome.OK);
    static final Map<Actor, Outcome> ADMINS_ONLY_ACT = expect(Outcome.DENIED, ADMINS, Outcome.OK);
    static final Map<Actor, Outcome> SELF = expect(Outcome.OK, DEACTIVATED_USER, Outcome.NOT_FOUND);
    static final Map<Actor, Outcome> ANY_ACTIVE_USER = expect(Outcome.DENIED, ACTIVE_USERS, Outcome.OK);
    static final Map<Actor, Outcome> ANYONE = expect(Outcome.OK);
    static final Map<Actor, Outcome> INVITEE_ONLY =
            expect(Outcome.NOT_FOUND, STRANGER, Outcome.OK, of(SYSTEM, DEACTIVATED_USER), Outcome.DENIED);
    static final Map<Actor, Outcome> ORG_OWNER_ONLY = expect(
            Outcome.NOT_FOUND,
            of(ORG_OWNER, SYSTEM_ADMIN, SYSTEM),
            Outcome.OK,
            of(ORG_MEMBER, ORG_ADMIN),
            Outcome.DENIED);

    /** A user other than the actor: the actor itself for self-rows, colleague for the system scope. */
    static long self(Ctx c, Actor a) {
        return a == SYSTEM ? c.w().colleague : c.w().id(a);
    }

    static final List<Row> ROWS = new ArrayList<>();

    static void row(String method, String target, Map<Actor, Outcome> expect, String auditAction, Call call) {
        ROWS.add(new Row(method, target, call, expect, auditAction, null));
    }

    static void checked(
            String method, String target, Map<Actor, Outcome> expect, Call call, BiConsumer<Actor, Object> check) {
        ROWS.add(new Row(method, target, call, expect, null, check));
    }

    static {
        // ---- UserRepository ----
        row(
                "UserRepository#register",
                "new user",
                ADMINS_ONLY_ACT,
                "user.register",
                (c, s, a) -> c.users().register(s, "Newcomer", "New@Example.test", "a fine password", "New"));
        checked(
                "UserRepository#authenticate",
                "personal owner",
                ADMINS_ONLY_ACT,
                (c, s, a) -> c.users().authenticate(s, "personal", ActorWorld.PASSWORD),
                (a, r) -> assertThat(r).isEqualTo(java.util.Optional.of(world().id(PERSONAL_OWNER))));
        row("UserRepository#find", "self", SELF, null, (c, s, a) -> c.users().find(s, self(c, a)));
        row(
                "UserRepository#find",
                "colleague",
                ADMINS_ONLY_SEE,
                null,
                (c, s, a) -> c.users().find(s, c.w().colleague));
        row(
                "UserRepository#changePassword",
                "self",
                expect(Outcome.OK, DEACTIVATED_USER, Outcome.NOT_FOUND, SYSTEM, Outcome.DENIED),
                "user.password_change",
                (c, s, a) -> {
                    c.users().changePassword(s, self(c, a), ActorWorld.PASSWORD, "another good password");
                    return null;
                });
        row(
                "UserRepository#changePassword",
                "colleague",
                expect(Outcome.NOT_FOUND, ADMINS, Outcome.DENIED),
                null,
                (c, s, a) -> {
                    c.users().changePassword(s, c.w().colleague, ActorWorld.PASSWORD, "another good password");
                    return null;
                });
        row("UserRepository#setPassword", "colleague", ADMINS_ONLY_SEE, "user.password_reset", (c, s, a) -> {
            c.users().setPassword(s, c.w().colleague, "operator chosen pw");
            return null;
        });
        row(
                "UserRepository#setPassword",
                "self",
                expect(Outcome.DENIED, ADMINS, Outcome.OK, DEACTIVATED_USER, Outcome.NOT_FOUND),
                "user.password_reset",
                (c, s, a) -> {
                    c.users().setPassword(s, self(c, a), "operator chosen pw");
                    return null;
                });
        // Issue 9: an admin cannot deactivate themselves (DENIED); an owner of an active organization cannot either
        // (CONFLICT).
        row(
                "UserRepository#deactivate",
                "self",
                expect(
                        Outcome.OK,
                        DEACTIVATED_USER,
                        Outcome.NOT_FOUND,
                        SYSTEM_ADMIN,
                        Outcome.DENIED,
                        ORG_OWNER,
                        Outcome.CONFLICT),
                "user.deactivate",
                (c, s, a) -> c.users().deactivate(s, self(c, a)));
        row(
                "UserRepository#deactivate",
                "colleague",
                ADMINS_ONLY_SEE,
                "user.deactivate",
                (c, s, a) -> c.users().deactivate(s, c.w().colleague));
        row(
                "UserRepository#reactivate",
                "deactivated user",
                ADMINS_ONLY_SEE,
                "user.reactivate",
                (c, s, a) -> c.users().reactivate(s, c.w().id(DEACTIVATED_USER)));
        row(
                "UserRepository#setSystemAdmin",
                "colleague",
                ADMINS_ONLY_SEE,
                "user.admin_grant",
                (c, s, a) -> c.users().setSystemAdmin(s, c.w().colleague, true));
        row(
                "UserRepository#setSystemAdmin",
                "self",
                expect(Outcome.DENIED, ADMINS, Outcome.OK, DEACTIVATED_USER, Outcome.NOT_FOUND),
                "user.admin_grant",
                (c, s, a) -> c.users().setSystemAdmin(s, self(c, a), true));

        // ---- OrganizationRepository ----
        row(
                "OrganizationRepository#create",
                "new organization",
                ANY_ACTIVE_USER,
                "organization.create",
                (c, s, a) -> c.orgs().create(s, "Brand New Org", null, "desc"));
        row(
                "OrganizationRepository#find",
                "org A",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.orgs().find(s, c.w().orgA));
        row(
                "OrganizationRepository#find",
                "deactivated org B",
                ADMINS_ONLY_SEE,
                null,
                (c, s, a) -> c.orgs().find(s, c.w().orgB));
        checked(
                "OrganizationRepository#listMine",
                "memberships",
                ANYONE,
                (c, s, a) -> c.orgs().listMine(s),
                (a, r) -> {
                    Set<Long> ids = ((List<?>) r)
                            .stream().map(o -> ((Organization) o).id()).collect(Collectors.toSet());
                    boolean inA = Set.of(ORG_MEMBER, ORG_ADMIN, ORG_OWNER).contains(a);
                    assertThat(ids)
                            .as("organizations listed for " + a)
                            .isEqualTo(inA ? Set.of(world().orgA) : Set.of());
                });
        row(
                "OrganizationRepository#rename",
                "org A",
                MANAGE_ORG_SITE,
                "organization.rename",
                (c, s, a) -> c.orgs().rename(s, c.w().orgA, "Org A Renamed"));
        row(
                "OrganizationRepository#deactivate",
                "org A",
                ORG_OWNER_ONLY,
                "organization.deactivate",
                (c, s, a) -> c.orgs().deactivate(s, c.w().orgA));
        row(
                "OrganizationRepository#reactivate",
                "deactivated org B",
                ADMINS_ONLY_SEE,
                "organization.reactivate",
                (c, s, a) -> c.orgs().reactivate(s, c.w().orgB));
        row(
                "OrganizationRepository#reactivate",
                "org A",
                expect(Outcome.NOT_FOUND, ADMINS, Outcome.OK, of(ORG_MEMBER, ORG_ADMIN, ORG_OWNER), Outcome.DENIED),
                "organization.reactivate",
                (c, s, a) -> c.orgs().reactivate(s, c.w().orgA));
        row(
                "OrganizationRepository#members",
                "org A",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.orgs().members(s, c.w().orgA));
        // Issue 9: adding by id is for system admins and the system scope; owners/admins invite.
        row(
                "OrganizationRepository#addMember",
                "outsider into org A",
                expect(Outcome.NOT_FOUND, ADMINS, Outcome.OK, of(ORG_MEMBER, ORG_ADMIN, ORG_OWNER), Outcome.DENIED),
                "organization.member_add",
                (c, s, a) -> c.orgs().addMember(s, c.w().orgA, c.w().outsider, OrgRole.MEMBER));
        row(
                "OrganizationRepository#invite",
                "outsider into org A",
                MANAGE_ORG_SITE,
                "organization.invite",
                (c, s, a) -> c.orgs().invite(s, c.w().orgA, "outsider", OrgRole.MEMBER));
        row(
                "OrganizationRepository#invite",
                "a missing account into org A",
                MANAGE_ORG_SITE,
                "organization.invite",
                (c, s, a) -> c.orgs().invite(s, c.w().orgA, "nobody@nowhere.test", OrgRole.ADMIN));
        row(
                "OrganizationRepository#invitations",
                "org A",
                MANAGE_ORG_SITE,
                null,
                (c, s, a) -> c.orgs().invitations(s, c.w().orgA));
        row(
                "OrganizationRepository#revokeInvitation",
                "org A's invitation to the stranger",
                MANAGE_ORG_SITE,
                "organization.invitation_revoke",
                (c, s, a) -> {
                    c.orgs().revokeInvitation(s, c.w().orgA, c.w().strangerInvitation);
                    return null;
                });
        row(
                "OrganizationRepository#myInvitations",
                "own",
                ANYONE,
                null,
                (c, s, a) -> c.orgs().myInvitations(s));
        // Only the addressee answers; for everyone else the invitation does not exist. Answering needs an active user.
        row(
                "OrganizationRepository#acceptInvitation",
                "org A's invitation to the stranger",
                INVITEE_ONLY,
                "organization.invitation_accept",
                (c, s, a) -> c.orgs().acceptInvitation(s, c.w().strangerInvitation));
        row(
                "OrganizationRepository#declineInvitation",
                "org A's invitation to the stranger",
                INVITEE_ONLY,
                "organization.invitation_decline",
                (c, s, a) -> {
                    c.orgs().declineInvitation(s, c.w().strangerInvitation);
                    return null;
                });
        row(
                "OrganizationRepository#removeMember",
                "colleague from org A",
                MANAGE_ORG_SITE,
                "organization.member_remove",
                (c, s, a) -> {
                    c.orgs().removeMember(s, c.w().orgA, c.w().colleague);
                    return null;
                });
        row(
                "OrganizationRepository#removeMember",
                "the owner from org A",
                expect(
                        Outcome.NOT_FOUND,
                        of(ORG_MEMBER, ORG_ADMIN),
                        Outcome.DENIED,
                        of(ORG_OWNER, SYSTEM_ADMIN, SYSTEM),
                        Outcome.CONFLICT),
                null,
                (c, s, a) -> {
                    c.orgs().removeMember(s, c.w().orgA, c.w().id(ORG_OWNER));
                    return null;
                });
        row(
                "OrganizationRepository#changeRole",
                "colleague in org A",
                MANAGE_ORG_SITE,
                "organization.member_role",
                (c, s, a) -> c.orgs().changeRole(s, c.w().orgA, c.w().colleague, OrgRole.ADMIN));
        row(
                "OrganizationRepository#changeRole",
                "the owner of org A",
                expect(
                        Outcome.NOT_FOUND,
                        of(ORG_MEMBER, ORG_ADMIN),
                        Outcome.DENIED,
                        of(ORG_OWNER, SYSTEM_ADMIN, SYSTEM),
                        Outcome.CONFLICT),
                null,
                (c, s, a) -> c.orgs().changeRole(s, c.w().orgA, c.w().id(ORG_OWNER), OrgRole.MEMBER));
        row(
                "OrganizationRepository#transferOwnership",
                "org A to its admin",
                ORG_OWNER_ONLY,
                "organization.transfer_ownership",
                (c, s, a) -> c.orgs().transferOwnership(s, c.w().orgA, c.w().id(ORG_ADMIN)));

        // ---- SiteRepository ----
        row(
                "SiteRepository#create",
                "personal site",
                ANY_ACTIVE_USER,
                "site.create",
                (c, s, a) -> c.sites().create(s, NewSite.personal("Fresh Site", SiteType.STATIC)));
        row(
                "SiteRepository#create",
                "site in org A",
                MANAGE_ORG_SITE,
                "site.create",
                (c, s, a) ->
                        c.sites().create(s, NewSite.forOrganization(c.w().orgA, "Fresh Org Site", SiteType.DOCKER)));
        row(
                "SiteRepository#create",
                "site in deactivated org B",
                ADMINS_ONLY_SEE,
                "site.create",
                (c, s, a) ->
                        c.sites().create(s, NewSite.forOrganization(c.w().orgB, "Fresh Dead Site", SiteType.DOCKER)));
        row(
                "SiteRepository#find",
                "org site",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.sites().find(s, c.w().orgSite));
        row(
                "SiteRepository#find",
                "personal site",
                PERSONAL_SITE,
                null,
                (c, s, a) -> c.sites().find(s, c.w().personalSite));
        row(
                "SiteRepository#find",
                "deactivated org's site",
                ADMINS_ONLY_SEE,
                null,
                (c, s, a) -> c.sites().find(s, c.w().deadOrgSite));
        row(
                "SiteRepository#find",
                "deactivated user's site",
                ADMINS_ONLY_SEE,
                null,
                (c, s, a) -> c.sites().find(s, c.w().deactivatedUsersSite));
        row(
                "SiteRepository#findBySlug",
                "org site",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.sites().findBySlug(s, "ORG-SITE"));
        row(
                "SiteRepository#findBySlug",
                "personal site",
                PERSONAL_SITE,
                null,
                (c, s, a) -> c.sites().findBySlug(s, "personal-site"));
        checked(
                "SiteRepository#list",
                "visible sites",
                ANYONE,
                (c, s, a) -> c.sites().list(s, SiteFilter.ALL, null, 50),
                (a, r) -> {
                    ActorWorld w = world();
                    Set<Long> all = Set.of(w.orgSite, w.personalSite, w.deadOrgSite, w.deactivatedUsersSite);
                    Set<Long> expected = switch (a) {
                        case ORG_MEMBER, ORG_ADMIN, ORG_OWNER -> Set.of(w.orgSite);
                        case PERSONAL_OWNER -> Set.of(w.personalSite);
                        case SYSTEM_ADMIN, SYSTEM -> all;
                        default -> Set.of();
                    };
                    assertThat(((Page<?>) r)
                                    .items().stream().map(x -> ((Site) x).id()).collect(Collectors.toSet()))
                            .as("sites visible to " + a)
                            .isEqualTo(expected);
                });
        row(
                "SiteRepository#update",
                "org site",
                MANAGE_ORG_SITE,
                "site.update",
                (c, s, a) ->
                        c.sites().update(s, c.w().orgSite, SiteConfig.defaults().withPort(8080)));
        row(
                "SiteRepository#update",
                "personal site",
                PERSONAL_SITE,
                "site.update",
                (c, s, a) -> c.sites()
                        .update(s, c.w().personalSite, SiteConfig.defaults().withPort(8080)));
        row("SiteRepository#delete", "org site", MANAGE_ORG_SITE, "site.delete", (c, s, a) -> {
            c.sites().delete(s, c.w().orgSite);
            return null;
        });
        row("SiteRepository#delete", "personal site", PERSONAL_SITE, "site.delete", (c, s, a) -> {
            c.sites().delete(s, c.w().personalSite);
            return null;
        });
        row("SiteRepository#delete", "deactivated org's site", ADMINS_ONLY_SEE, "site.delete", (c, s, a) -> {
            c.sites().delete(s, c.w().deadOrgSite);
            return null;
        });

        // ---- SiteLimitsRepository ----
        ResourceLimits limits = new ResourceLimits(1024, 100, 2048, 4096, 500);
        row(
                "SiteLimitsRepository#get",
                "org site",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.limits().get(s, c.w().orgSite));
        row(
                "SiteLimitsRepository#get",
                "personal site",
                PERSONAL_SITE,
                null,
                (c, s, a) -> c.limits().get(s, c.w().personalSite));
        row(
                "SiteLimitsRepository#set",
                "org site",
                MANAGE_ORG_SITE,
                "site.limits_set",
                (c, s, a) -> c.limits().set(s, c.w().orgSite, limits));
        row(
                "SiteLimitsRepository#set",
                "personal site",
                PERSONAL_SITE,
                "site.limits_set",
                (c, s, a) -> c.limits().set(s, c.w().personalSite, limits));

        // ---- SiteDomainRepository ----
        row(
                "SiteDomainRepository#add",
                "org site",
                MANAGE_ORG_SITE,
                "domain.add",
                (c, s, a) -> c.domains().add(s, c.w().orgSite, "Shop.Org-A.test"));
        row(
                "SiteDomainRepository#add",
                "personal site",
                PERSONAL_SITE,
                "domain.add",
                (c, s, a) -> c.domains().add(s, c.w().personalSite, "blog.personal.test"));
        row(
                "SiteDomainRepository#list",
                "org site",
                READ_ORG_SITE,
                null,
                (c, s, a) -> c.domains().list(s, c.w().orgSite));
        row(
                "SiteDomainRepository#list",
                "personal site",
                PERSONAL_SITE,
                null,
                (c, s, a) -> c.domains().list(s, c.w().personalSite));
        row(
                "SiteDomainRepository#setPrimary",
                "org site",
                MANAGE_ORG_SITE,
                "domain.set_primary",
                (c, s, a) -> c.domains().setPrimary(s, c.w().orgSite, c.w().orgDomainOther));
        row(
                "SiteDomainRepository#setPrimary",
                "personal site",
                PERSONAL_SITE,
                "domain.set_primary",
                (c, s, a) -> c.domains().setPrimary(s, c.w().personalSite, c.w().personalDomain));
        row(
                "SiteDomainRepository#markVerified",
                "org site",
                expect(Outcome.NOT_FOUND, ADMINS, Outcome.OK, of(ORG_MEMBER, ORG_ADMIN, ORG_OWNER), Outcome.DENIED),
                "domain.verify",
                (c, s, a) -> c.domains().markVerified(s, c.w().orgSite, c.w().orgDomainOther));
        row(
                "SiteDomainRepository#markVerified",
                "personal site",
                expect(Outcome.NOT_FOUND, ADMINS, Outcome.OK, PERSONAL_OWNER, Outcome.DENIED),
                "domain.verify",
                (c, s, a) -> c.domains().markVerified(s, c.w().personalSite, c.w().personalDomain));
        row("SiteDomainRepository#remove", "org site", MANAGE_ORG_SITE, "domain.remove", (c, s, a) -> {
            c.domains().remove(s, c.w().orgSite, c.w().orgDomainPrimary);
            return null;
        });
        row("SiteDomainRepository#remove", "personal site", PERSONAL_SITE, "domain.remove", (c, s, a) -> {
            c.domains().remove(s, c.w().personalSite, c.w().personalDomain);
            return null;
        });
        row(
                "SiteDomainRepository#remove",
                "org site's domain through the personal site",
                PERSONAL_SITE.entrySet().stream()
                        .collect(Collectors.toMap(
                                Map.Entry::getKey,
                                e -> e.getValue() == Outcome.OK ? Outcome.NOT_FOUND : e.getValue(),
                                (x, y) -> x,
                                () -> new EnumMap<>(Actor.class))),
                null,
                (c, s, a) -> {
                    c.domains().remove(s, c.w().personalSite, c.w().orgDomainPrimary);
                    return null;
                });

        // ---- AuditLogRepository ----
        checked(
                "AuditLogRepository#list",
                "all readable rows",
                expect(Outcome.DENIED, of(ORG_ADMIN, ORG_OWNER, SYSTEM_ADMIN, SYSTEM), Outcome.OK),
                (c, s, a) -> c.audit().list(s, null, null, 100),
                (a, r) -> {
                    Set<Long> orgs = ((Page<?>) r)
                            .items().stream()
                                    .map(e -> ((AuditEntry) e).organizationId())
                                    .map(o -> o == null ? -1L : o)
                                    .collect(Collectors.toSet());
                    if (a == ORG_ADMIN || a == ORG_OWNER)
                        assertThat(orgs).as("audit organizations for " + a).containsExactly(world().orgA);
                    else assertThat(orgs).as("audit organizations for " + a).contains(world().orgA, world().orgB, -1L);
                });
        row(
                "AuditLogRepository#list",
                "org A's rows",
                MANAGE_ORG_SITE,
                null,
                (c, s, a) -> c.audit().list(s, c.w().orgA, null, 100));
        row(
                "AuditLogRepository#list",
                "deactivated org B's rows",
                ADMINS_ONLY_SEE,
                null,
                (c, s, a) -> c.audit().list(s, c.w().orgB, null, 100));
        row(
                "AuditLogRepository#prune",
                "expired rows",
                expect(Outcome.DENIED, SYSTEM, Outcome.OK),
                "audit.prune",
                (c, s, a) -> c.audit().prune(s));

        // ---- AdminPanelRepository ----
        row(
                "AdminPanelRepository#users",
                "all users",
                ADMINS_ONLY_ACT,
                null,
                (c, s, a) -> c.admin().users(s, null, 100));
        row(
                "AdminPanelRepository#organizations",
                "all organizations",
                ADMINS_ONLY_ACT,
                null,
                (c, s, a) -> c.admin().organizations(s, null, 100));
    }

    public static Set<String> coveredMethods() {
        return ROWS.stream().map(Row::method).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Ctx ctx;

    static ActorWorld world() {
        return ctx.w();
    }

    @TestFactory
    Stream<DynamicTest> everyRepositoryMethodForEveryActor() {
        var db = TEMP.db();
        ActorWorld w = ActorWorld.create(db).withLoginsAndHistory();
        ctx = new Ctx(
                w,
                new UserRepository(db),
                new OrganizationRepository(db),
                new SiteRepository(db),
                new SiteLimitsRepository(db),
                new SiteDomainRepository(db),
                new AuditLogRepository(db),
                new AdminPanelRepository(db));
        Map<String, List<String>> world = DbSnapshot.of(db);
        List<DynamicTest> tests = new ArrayList<>();
        for (Row row : ROWS) {
            for (Actor actor : Actor.values()) {
                Outcome expected = row.expect().get(actor);
                String name = row.method() + " on " + row.target() + " as " + actor + " -> " + expected;
                tests.add(DynamicTest.dynamicTest(name, () -> runCell(row, actor, expected, world)));
            }
        }
        return tests.stream();
    }

    private void runCell(Row row, Actor actor, Outcome expected, Map<String, List<String>> world) {
        AccessScope scope = ctx.w().scopes.get(actor);
        if (expected == Outcome.OK) {
            MatrixHarness.RolledBack done =
                    MatrixHarness.runAndRollBack(TEMP.db(), () -> row.call().run(ctx, scope, actor));
            if (row.auditAction() == null) {
                assertThat(done.auditActions()).as("a read writes no audit row").isEmpty();
            } else {
                assertThat(done.auditActions())
                        .as("a mutation writes exactly one audit row")
                        .containsExactly(row.auditAction());
            }
            if (row.check() != null) row.check().accept(actor, done.result());
        } else {
            MatrixHarness.assertRefused(
                    TEMP.db(), expected, world, () -> row.call().run(ctx, scope, actor));
        }
    }
}
