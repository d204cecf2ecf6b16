package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.OrgRole;
import java.util.EnumMap;
import java.util.Map;

/**
 * The cast of the cross-tenant matrix for deployments, processes, environment and config:
 * an organization "acme" with an owner, an admin and a member and one site; a personal site;
 * a deactivated user who was acme's admin; the admin of a deactivated organization with its
 * own site; a stranger; a system admin; and the system scope. Each actor aims at the site
 * it would have rights on, so a denial proves the rule, not a missing membership.
 */
public final class DeployActors {
    public enum Actor {
        STRANGER, ORG_MEMBER, ORG_ADMIN, ORG_OWNER, PERSONAL_OWNER, SYSTEM_ADMIN, DEACTIVATED_USER, MEMBER_OF_DEACTIVATED_ORG, SYSTEM
    }

    /** What an actor may do under a rule: the call succeeds, or fails as not-found or access-denied. */
    public enum Outcome { ALLOWED, NOT_FOUND, DENIED }

    /** The permission rules of docs/deployments.md and docs/integration.md. */
    public enum Rule {
        READ_SITE, MANAGE_SITE, ADMIN, SYSTEM, ACTIVE;

        public Outcome outcome(Actor a) {
            return switch (this) {
                case READ_SITE -> switch (a) {
                    case STRANGER, DEACTIVATED_USER, MEMBER_OF_DEACTIVATED_ORG -> Outcome.NOT_FOUND;
                    default -> Outcome.ALLOWED;
                };
                case MANAGE_SITE -> switch (a) {
                    case STRANGER, DEACTIVATED_USER, MEMBER_OF_DEACTIVATED_ORG -> Outcome.NOT_FOUND;
                    case ORG_MEMBER -> Outcome.DENIED;
                    default -> Outcome.ALLOWED;
                };
                case ADMIN -> a == Actor.SYSTEM_ADMIN || a == Actor.SYSTEM ? Outcome.ALLOWED : Outcome.DENIED;
                case SYSTEM -> a == Actor.SYSTEM ? Outcome.ALLOWED : Outcome.DENIED;
                case ACTIVE -> a == Actor.DEACTIVATED_USER ? Outcome.DENIED : Outcome.ALLOWED;
            };
        }
    }

    public final long acmeOrg;
    public final long acmeSite;
    public final long personalSite;
    public final long defunctOrg;
    public final long defunctSite;
    public final long memberUser;
    private final Map<Actor, AccessScope> scopes = new EnumMap<>(Actor.class);

    public DeployActors(DialupDatabase db) {
        Fixtures f = new Fixtures(db);
        long stranger = f.user("stranger");
        long owner = f.user("owner");
        long admin = f.user("orgadmin");
        memberUser = f.user("member");
        long personal = f.user("personal");
        long sysadmin = f.admin("sysadmin");
        long deactivated = f.user("deactivated");
        long defunctAdmin = f.user("defunctadmin");
        long defunctOwner = f.user("defunctowner");

        acmeOrg = f.org("Acme", owner);
        f.member(acmeOrg, admin, OrgRole.ADMIN);
        f.member(acmeOrg, memberUser, OrgRole.MEMBER);
        f.member(acmeOrg, deactivated, OrgRole.ADMIN);
        acmeSite = f.orgSite("acme-web", acmeOrg);
        personalSite = f.personalSite("personal-blog", personal);
        defunctOrg = f.org("Defunct", defunctOwner);
        f.member(defunctOrg, defunctAdmin, OrgRole.ADMIN);
        defunctSite = f.orgSite("defunct-web", defunctOrg);
        f.deactivateUser(deactivated);
        f.deactivateOrg(defunctOrg);

        AccessScopes scopesOf = new AccessScopes(db);
        scopes.put(Actor.STRANGER, scopesOf.forUser(stranger));
        scopes.put(Actor.ORG_MEMBER, scopesOf.forUser(memberUser));
        scopes.put(Actor.ORG_ADMIN, scopesOf.forUser(admin));
        scopes.put(Actor.ORG_OWNER, scopesOf.forUser(owner));
        scopes.put(Actor.PERSONAL_OWNER, scopesOf.forUser(personal));
        scopes.put(Actor.SYSTEM_ADMIN, scopesOf.forUser(sysadmin));
        scopes.put(Actor.DEACTIVATED_USER, scopesOf.forUser(deactivated));
        scopes.put(Actor.MEMBER_OF_DEACTIVATED_ORG, scopesOf.forUser(defunctAdmin));
        scopes.put(Actor.SYSTEM, db.systemScope("test-orchestrator"));
    }

    public AccessScope scope(Actor a) {
        return scopes.get(a);
    }

    public AccessScope system() {
        return scopes.get(Actor.SYSTEM);
    }

    /** The site the actor would act on: its own personal site, the deactivated org's site, or acme's. */
    public long targetSite(Actor a) {
        return switch (a) {
            case PERSONAL_OWNER -> personalSite;
            case MEMBER_OF_DEACTIVATED_ORG -> defunctSite;
            default -> acmeSite;
        };
    }
}
