package dev.dialup.deploy.db.deploy;

import static dev.dialup.deploy.db.generated.Tables.SITES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.AccessDeniedException;
import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.sites.Branches;
import dev.dialup.deploy.db.sites.NewSite;
import dev.dialup.deploy.db.sites.SiteConfig;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.sites.SiteType;
import dev.dialup.deploy.db.testing.ActorWorld;
import dev.dialup.deploy.db.testing.ActorWorld.Actor;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.TempDatabase;
import dev.dialup.deploy.db.testing.TestDb;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 9, behaviour 7, written as the attack: members choosing what is deployed, and branch names
 * that git or a shell would read as something else — refused everywhere a branch is accepted,
 * with nothing written.
 */
@BothEngines
class BranchAttackTest {
    @RegisterExtension
    final TempDatabase temp = TempDatabase.create();

    DialupDatabase db;
    ActorWorld actors;
    DeploymentRepository deployments;
    SiteRepository sites;

    @BeforeEach
    void open() {
        db = temp.db();
        actors = ActorWorld.create(db);
        deployments = new DeploymentRepository(db);
        sites = new SiteRepository(db);
    }

    static Stream<String> hostile() {
        return Stream.of(
                "--upload-pack=touch /tmp/x",
                "-main",
                "main\nrm -rf /",
                "main\rx",
                "main\u0000",
                "../../etc",
                "a..b",
                "main branch",
                "main\tx",
                "feature\u202Egpj.exe",
                "tab\u00A0space",
                "a@{1}",
                "@",
                "HEAD",
                "refs/heads/x.lock",
                "x.lock",
                "/main",
                "main/",
                "a//b",
                ".hidden",
                "a/.hidden",
                "main.",
                "a~1",
                "a^",
                "a:b",
                "a?",
                "a*",
                "a[b",
                "a\\b",
                "x".repeat(256));
    }

    @ParameterizedTest
    @MethodSource("hostile")
    void hostileBranchesAreRefusedEverywhereABranchIsAccepted(String branch) {
        AccessScope system = actors.system();
        AccessScope owner = actors.scope(Actor.ORG_OWNER);
        var before = DbSnapshot.of(db);

        assertThatThrownBy(() -> deployments.create(system, actors.orgSite, new NewDeployment(null, null, branch)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("branch: is not a valid git branch name")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(branch.strip()));
        assertThatThrownBy(() -> deployments.create(owner, actors.orgSite, new NewDeployment(null, null, branch)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> sites.update(
                        owner, actors.orgSite, SiteConfig.defaults().withRepository(null, branch)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("branch: ");
        assertThatThrownBy(() -> sites.create(
                        owner,
                        new NewSite(
                                "New",
                                null,
                                SiteType.STATIC,
                                actors.orgA,
                                SiteConfig.defaults().withRepository(null, branch))))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Branches.require("branch", branch)).isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "main",
                "feature/x",
                "release-1.2",
                "fix_123",
                "user/name/topic",
                "v1.0.0",
                "a",
                "caf\u00e9",
                "a.b.c",
                "a-lock"
            })
    void ordinaryBranchesAreAccepted(String branch) {
        assertThat(Branches.require("branch", "  " + branch + " ")).isEqualTo(branch);
        assertThat(Branches.optional("branch", " ")).isNull();
        assertThat(Branches.optional("branch", null)).isNull();
        assertThat(Branches.require("branch", "x".repeat(Branches.MAX_LENGTH))).hasSize(255);
        assertThat(deployments
                        .create(actors.system(), actors.orgSite, new NewDeployment(null, null, branch))
                        .branch())
                .isEqualTo(branch);
    }

    @Test
    void aPlainMemberDeploysOnlyTheConfiguredBranch() {
        AccessScope member = actors.scope(Actor.ORG_MEMBER);
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> deployments.create(member, actors.orgSite, new NewDeployment(null, null, "feature/x")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("needs a site manager");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);

        assertThat(deployments
                        .create(member, actors.orgSite, new NewDeployment(null, null, null))
                        .branch())
                .isEqualTo("main");
        assertThat(deployments
                        .create(member, actors.orgSite, new NewDeployment(null, null, " main "))
                        .branch())
                .isEqualTo("main");
    }

    @ParameterizedTest
    @EnumSource(
            value = Actor.class,
            names = {"ORG_ADMIN", "ORG_OWNER", "SYSTEM_ADMIN", "SYSTEM"})
    void managersMayNameAnotherBranch(Actor actor) {
        Deployment d =
                deployments.create(actors.scope(actor), actors.orgSite, new NewDeployment(null, null, "feature/x"));
        assertThat(d.branch()).isEqualTo("feature/x");
        assertThat(deployments
                        .create(
                                actors.scope(Actor.PERSONAL_OWNER),
                                actors.personalSite,
                                new NewDeployment(null, null, "hotfix"))
                        .branch())
                .isEqualTo("hotfix");
    }

    @Test
    void aHostileBranchStoredBehindTheApiIsNeverDeployed() {
        db.writeVoid(
                TestDb.system(db),
                tx -> tx.update(SITES)
                        .set(SITES.BRANCH, "--upload-pack=touch /tmp/x")
                        .where(SITES.ID.eq(actors.orgSite))
                        .execute());
        var before = DbSnapshot.of(db);
        assertThatThrownBy(() -> deployments.create(
                        actors.scope(Actor.ORG_MEMBER), actors.orgSite, new NewDeployment(null, null, null)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(
                        () -> deployments.create(actors.system(), actors.orgSite, new NewDeployment(null, null, null)))
                .isInstanceOf(ValidationException.class);
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
