package dev.dialup.deploy.db.testing;

import dev.dialup.deploy.db.DialupDatabase;
import dev.dialup.deploy.db.tenancy.AccessScope;

/**
 * The old name of the deploy matrix's cast, kept only as a view of {@link ActorWorld} for tests not yet
 * converted (the {@code usage} package, rewritten in parallel). New tests use {@link ActorWorld} and
 * {@link MatrixHarness}; delete this class once nothing imports it.
 */
public final class DeployActors {
    public enum Actor {
        STRANGER, ORG_MEMBER, ORG_ADMIN, ORG_OWNER, PERSONAL_OWNER, SYSTEM_ADMIN, DEACTIVATED_USER, MEMBER_OF_DEACTIVATED_ORG, SYSTEM;

        ActorWorld.Actor actor() {
            return this == MEMBER_OF_DEACTIVATED_ORG ? ActorWorld.Actor.DEACTIVATED_ORG_MEMBER : ActorWorld.Actor.valueOf(name());
        }
    }

    /** What an actor may do under a rule: the call succeeds, or fails as not-found or access-denied. */
    public enum Outcome { ALLOWED, NOT_FOUND, DENIED }

    /** {@link ActorWorld.Rule}, in the old outcome names. */
    public enum Rule {
        READ_SITE, MANAGE_SITE, ADMIN, SYSTEM, ACTIVE;

        public Outcome outcome(Actor a) {
            return switch (ActorWorld.Rule.valueOf(name()).outcome(a.actor())) {
                case OK -> Outcome.ALLOWED;
                case NOT_FOUND -> Outcome.NOT_FOUND;
                case DENIED -> Outcome.DENIED;
                case CONFLICT -> throw new IllegalStateException("no site rule answers CONFLICT");
            };
        }
    }

    public final ActorWorld world;
    public final long acmeOrg;
    public final long acmeSite;
    public final long personalSite;
    public final long defunctOrg;
    public final long defunctSite;
    public final long memberUser;

    public DeployActors(DialupDatabase db) {
        world = ActorWorld.create(db);
        acmeOrg = world.orgA;
        acmeSite = world.orgSite;
        personalSite = world.personalSite;
        defunctOrg = world.orgB;
        defunctSite = world.deadOrgSite;
        memberUser = world.id(ActorWorld.Actor.ORG_MEMBER);
    }

    public AccessScope scope(Actor a) {
        return world.scope(a.actor());
    }

    public AccessScope system() {
        return world.system();
    }

    public long targetSite(Actor a) {
        return world.targetSite(a.actor());
    }
}
