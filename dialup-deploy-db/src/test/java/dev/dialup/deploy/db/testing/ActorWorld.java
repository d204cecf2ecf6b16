package dev.dialup.deploy.db.testing;

import static dev.dialup.deploy.db.generated.Tables.AUDIT_LOG;
import static dev.dialup.deploy.db.generated.Tables.ORGANIZATION_INVITATIONS;
import static dev.dialup.deploy.db.generated.Tables.SITE_DOMAINS;
import static dev.dialup.deploy.db.generated.Tables.SYSTEM_CONFIG;

import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.OrgRole;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.testing.MatrixHarness.Outcome;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;

/**
 * The one cast of named actors every cross-tenant test uses (it replaced {@code TenancyWorld} and
 * {@code DeployActors}).
 *
 * <ul>
 *   <li>Organization A ({@link #orgA}, active): owner {@code owner}, admin {@code orgadmin}, members
 *       {@code member} and {@link #colleague} (the target of member operations), and the deactivated user
 *       {@code deactivated}, who was its admin; site {@link #orgSite} ("Org Site").
 *   <li>Organization B ({@link #orgB}, deactivated): owner {@link #deadOrgOwner}, admin {@code deadmember};
 *       site {@link #deadOrgSite}.
 *   <li>{@code personal} owns {@link #personalSite}; the deactivated user owns {@link #deactivatedUsersSite}.
 *   <li>{@code stranger} and {@link #outsider} belong nowhere; {@code sysadmin} is a system admin; {@link #systemScope}
 *       is the database's system scope.
 *   <li>Domains: {@link #orgDomainPrimary} and {@link #orgDomainOther} on the org site, {@link #personalDomain} on the
 *       personal site; a pending invitation of org A to the stranger ({@link #strangerInvitation}).
 * </ul>
 *
 * {@link #create} arranges the rows directly (no audit rows). {@link #withLoginsAndHistory()} adds what the
 * tenancy matrix needs on top: every actor's password is {@link #PASSWORD} (set through
 * {@code UserRepository.setPassword}, bcrypt cost 4) and an audit history (one recent and one expired row per
 * organization, one expired global row).
 */
public final class ActorWorld {
    public static final String PASSWORD = "correct horse battery";

    public enum Actor {
        STRANGER,
        ORG_MEMBER,
        ORG_ADMIN,
        ORG_OWNER,
        PERSONAL_OWNER,
        SYSTEM_ADMIN,
        DEACTIVATED_USER,
        DEACTIVATED_ORG_MEMBER,
        SYSTEM
    }

    /** The site-level permission rules of docs/deployments.md and docs/integration.md, per actor aiming at {@link #targetSite}. */
    public enum Rule {
        READ_SITE,
        MANAGE_SITE,
        ADMIN,
        SYSTEM,
        ACTIVE;

        public Outcome outcome(Actor a) {
            return switch (this) {
                case READ_SITE ->
                    switch (a) {
                        case STRANGER, DEACTIVATED_USER, DEACTIVATED_ORG_MEMBER -> Outcome.NOT_FOUND;
                        default -> Outcome.OK;
                    };
                case MANAGE_SITE ->
                    switch (a) {
                        case STRANGER, DEACTIVATED_USER, DEACTIVATED_ORG_MEMBER -> Outcome.NOT_FOUND;
                        case ORG_MEMBER -> Outcome.DENIED;
                        default -> Outcome.OK;
                    };
                case ADMIN -> a == Actor.SYSTEM_ADMIN || a == Actor.SYSTEM ? Outcome.OK : Outcome.DENIED;
                case SYSTEM -> a == Actor.SYSTEM ? Outcome.OK : Outcome.DENIED;
                case ACTIVE -> a == Actor.DEACTIVATED_USER ? Outcome.DENIED : Outcome.OK;
            };
        }
    }

    public final DialupDatabase db;
    public final Map<Actor, Long> userIds = new EnumMap<>(Actor.class);
    public final Map<Actor, AccessScope> scopes = new EnumMap<>(Actor.class);
    public final long colleague, outsider, deadOrgOwner;
    public final long orgA, orgB;
    public final long orgSite, personalSite, deadOrgSite, deactivatedUsersSite;
    public final long orgDomainPrimary, orgDomainOther, personalDomain;
    /** A pending invitation from org A to the stranger (username "stranger"), valid for a week. */
    public final long strangerInvitation;
    /** The database's system scope ({@code system:matrix-test}). */
    public final AccessScope systemScope;

    private ActorWorld(DialupDatabase db) {
        this.db = db;
        this.systemScope = db.systemScope("matrix-test");
        Fixtures f = new Fixtures(db);
        long owner = f.user("owner");
        long admin = f.user("orgadmin");
        long member = f.user("member");
        long personal = f.user("personal");
        long stranger = f.user("stranger");
        long sysadmin = f.admin("sysadmin");
        long deactivated = f.user("deactivated");
        long deadMember = f.user("deadmember");
        colleague = f.user("colleague");
        outsider = f.user("outsider");
        deadOrgOwner = f.user("deadowner");
        orgA = f.org("Org A", owner);
        f.member(orgA, admin, OrgRole.ADMIN);
        f.member(orgA, member, OrgRole.MEMBER);
        f.member(orgA, colleague, OrgRole.MEMBER);
        f.member(orgA, deactivated, OrgRole.ADMIN);
        orgB = f.org("Org B", deadOrgOwner);
        f.member(orgB, deadMember, OrgRole.ADMIN);
        orgSite = f.orgSite("Org Site", orgA);
        personalSite = f.personalSite("Personal Site", personal);
        deadOrgSite = f.orgSite("Dead Org Site", orgB);
        deactivatedUsersSite = f.personalSite("Deactivated Site", deactivated);
        f.deactivateOrg(orgB);
        f.deactivateUser(deactivated);
        orgDomainPrimary = domain(orgSite, "www.org-a.test", true);
        orgDomainOther = domain(orgSite, "org-a.test", false);
        personalDomain = domain(personalSite, "personal.test", true);
        Instant created = db.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        strangerInvitation = TestDb.write(
                db,
                tx -> tx.insertInto(ORGANIZATION_INVITATIONS)
                        .set(ORGANIZATION_INVITATIONS.ORGANIZATION_ID, orgA)
                        .set(ORGANIZATION_INVITATIONS.INVITEE, "stranger")
                        .set(ORGANIZATION_INVITATIONS.ROLE, "member")
                        .set(ORGANIZATION_INVITATIONS.INVITER_ID, owner)
                        .set(ORGANIZATION_INVITATIONS.CREATED_AT, created)
                        .set(ORGANIZATION_INVITATIONS.EXPIRES_AT, created.plus(7, ChronoUnit.DAYS))
                        .returning(ORGANIZATION_INVITATIONS.ID)
                        .fetchOne()
                        .getId());

        userIds.put(Actor.STRANGER, stranger);
        userIds.put(Actor.ORG_MEMBER, member);
        userIds.put(Actor.ORG_ADMIN, admin);
        userIds.put(Actor.ORG_OWNER, owner);
        userIds.put(Actor.PERSONAL_OWNER, personal);
        userIds.put(Actor.SYSTEM_ADMIN, sysadmin);
        userIds.put(Actor.DEACTIVATED_USER, deactivated);
        userIds.put(Actor.DEACTIVATED_ORG_MEMBER, deadMember);
        AccessScopes scopesFactory = new AccessScopes(db);
        userIds.forEach((actor, id) -> scopes.put(actor, scopesFactory.forUser(id)));
        scopes.put(Actor.SYSTEM, systemScope);
    }

    /** The cast, arranged directly in {@code db} (no audit rows, no usable passwords). */
    public static ActorWorld create(DialupDatabase db) {
        return new ActorWorld(db);
    }

    /**
     * Every actor's password becomes {@link #PASSWORD} (cost-4 bcrypt, through the repository, so one
     * {@code user.password_reset} audit row each) and the audit log gets its seeded history.
     */
    public ActorWorld withLoginsAndHistory() {
        // Cheap hashes keep the suite fast; the policy is read from system_config like in production.
        setConfig(db, ConfigKeys.BCRYPT_COST, "4");
        UserRepository users = new UserRepository(db);
        for (long id : userIds.values()) {
            users.setPassword(systemScope, id, PASSWORD);
        }
        Instant now = db.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Instant old = now.minus(800, ChronoUnit.DAYS);
        auditRow("seed.recent", orgA, now);
        auditRow("seed.old", orgA, old);
        auditRow("seed.recent", orgB, now);
        auditRow("seed.old", null, old);
        return this;
    }

    public long id(Actor actor) {
        return userIds.get(actor);
    }

    public AccessScope scope(Actor actor) {
        return scopes.get(actor);
    }

    public AccessScope system() {
        return systemScope;
    }

    /** The site an actor would act on: its own personal site, the deactivated organization's site, or org A's. */
    public long targetSite(Actor a) {
        return switch (a) {
            case PERSONAL_OWNER -> personalSite;
            case DEACTIVATED_ORG_MEMBER -> deadOrgSite;
            default -> orgSite;
        };
    }

    /** Writes a {@code system_config} value directly (no validation, no audit). */
    public static void setConfig(DialupDatabase db, String key, String value) {
        TestDb.writeVoid(
                db,
                tx -> tx.insertInto(SYSTEM_CONFIG)
                        .set(SYSTEM_CONFIG.KEY, key)
                        .set(SYSTEM_CONFIG.VALUE, value)
                        .onConflict(SYSTEM_CONFIG.KEY)
                        .doUpdate()
                        .set(SYSTEM_CONFIG.VALUE, value)
                        .execute());
    }

    private long domain(long siteId, String name, boolean primary) {
        return TestDb.write(
                db,
                tx -> tx.insertInto(SITE_DOMAINS)
                        .set(SITE_DOMAINS.SITE_ID, siteId)
                        .set(SITE_DOMAINS.DOMAIN, name)
                        .set(SITE_DOMAINS.IS_PRIMARY, primary)
                        .returning(SITE_DOMAINS.ID)
                        .fetchOne()
                        .getId());
    }

    private void auditRow(String action, Long org, Instant at) {
        TestDb.writeVoid(
                db,
                tx -> tx.insertInto(AUDIT_LOG)
                        .set(AUDIT_LOG.ACTOR_LABEL, "system:seed")
                        .set(AUDIT_LOG.ACTION, action)
                        .set(AUDIT_LOG.TARGET_TYPE, "seed")
                        .set(AUDIT_LOG.ORGANIZATION_ID, org)
                        .set(AUDIT_LOG.CREATED_AT, at)
                        .execute());
    }
}
