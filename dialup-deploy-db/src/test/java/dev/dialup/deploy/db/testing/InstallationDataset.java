package dev.dialup.deploy.db.testing;

import static dev.dialup.deploy.db.generated.Tables.USERS;

import dev.dialup.deploy.db.config.ConfigKeys;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.deploy.DeploymentStatus;
import dev.dialup.deploy.db.deploy.NewDeployment;
import dev.dialup.deploy.db.deploy.ProcessRepository;
import dev.dialup.deploy.db.deploy.ProcessSpec;
import dev.dialup.deploy.db.secrets.EnvironmentRepository;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A realistic SQLite installation for the engine-move and backup tests, written through the repositories (plus the
 * {@link ActorWorld} cast): users with real password hashes, organizations, members, sites with their default limits
 * and host names, an invitation, plain and secret environment variables (ciphertext under a generated keyset),
 * deployments with log chunks and one compressed log archive (a BLOB), a process row (epoch-millisecond start time),
 * usage samples moved out of the recent table, a rolled-up day, audit rows, a failed login, and a deleted user (so SQLite's
 * AUTOINCREMENT high-water mark is above the highest id). The database is closed when {@link #create} returns.
 *
 * @param file              the SQLite file
 * @param secretPlaintext   the plaintext of the one secret value (must never appear in the copy)
 * @param usageSamples      usage samples recorded
 * @param highestUserId     SQLite's AUTOINCREMENT high-water mark of users (above every remaining id)
 */
public record InstallationDataset(Path file, String secretPlaintext, long usageSamples, long highestUserId) {
    public static final Instant T0 = Instant.parse("2026-03-01T08:00:00.123Z");

    /** Builds the installation in {@code dir/test.db} with {@code samplesPerSite} usage samples for each of 4 sites. */
    public static InstallationDataset create(Path dir, int samplesPerSite) {
        MutableClock clock = new MutableClock(T0);
        try (DialupDatabase db = TestDb.builder(dir).clock(clock).build()) {
            ActorWorld world = ActorWorld.create(db).withLoginsAndHistory();
            AccessScope sys = world.system();
            ActorWorld.setConfig(db, ConfigKeys.DEPLOYMENT_LOG_ARCHIVE_AFTER_DAYS, "30");

            String secret = "s3cret-plaintext-" + new Random(7).nextInt(1_000_000);
            EnvironmentRepository env = new EnvironmentRepository(db, SecretsKeyset.generate());
            env.set(sys, world.orgSite, "DATABASE_PASSWORD", secret, true);
            env.set(sys, world.orgSite, "NODE_ENV", "production", false);
            env.set(sys, world.personalSite, "GREETING", "Grüße aus Köln — ✓", false);

            DeploymentRepository deployments = new DeploymentRepository(db);
            long old = deployments
                    .create(sys, world.orgSite, new NewDeployment("abc1234", "first release", "main"))
                    .id();
            deployments.transition(sys, old, DeploymentStatus.BUILDING);
            deployments.appendLog(sys, old, "$ npm ci\nadded 812 packages\n");
            deployments.appendLog(sys, old, "$ npm run build\ndone\n");
            deployments.transition(sys, old, DeploymentStatus.SUCCESS);
            clock.advance(Duration.ofDays(40));
            deployments.archiveOldLogs(sys, 100);
            long recent = deployments
                    .create(sys, world.personalSite, new NewDeployment("def5678", "fix: typo", "main"))
                    .id();
            deployments.transition(sys, recent, DeploymentStatus.BUILDING);
            deployments.appendLog(sys, recent, "step 1/1 FAILED: exit code 1\n");
            deployments.transition(sys, recent, DeploymentStatus.FAILED);

            new ProcessRepository(db)
                    .register(
                            sys,
                            ProcessSpec.container(
                                    "proc-1",
                                    world.orgSite,
                                    "c0ffee",
                                    3000,
                                    clock.instant().minusSeconds(90)));

            UsageRepository usage = new UsageRepository(db);
            long[] sites = {world.orgSite, world.personalSite, world.deadOrgSite, world.deactivatedUsersSite};
            LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
            // Every 30 s up to an hour ago (ingest refuses future samples), reaching into yesterday for the rollup.
            long start = clock.instant().getEpochSecond() - 3_600 - samplesPerSite * 30L;
            long samples = 0;
            for (long site : sites) {
                Random r = new Random(site);
                List<UsageSample> batch = new ArrayList<>();
                for (int i = 0; i < samplesPerSite; i++) {
                    batch.add(UsageSample.of(
                            site,
                            Instant.ofEpochSecond(start + i * 30L),
                            100 + r.nextDouble() * 50,
                            r.nextDouble() * 90,
                            200 + site,
                            r.nextDouble() * 2,
                            r.nextInt(60),
                            20 + r.nextDouble() * 80));
                    if (batch.size() == 5_000) {
                        samples += usage.recordBatch(sys, batch);
                        batch.clear();
                    }
                }
                samples += usage.recordBatch(sys, batch);
            }
            usage.moveRecentSamples(sys);
            usage.rollupDay(sys, day);

            // A failed login: a login_throttle row (text subject, times).
            new UserRepository(db).authenticate(db.systemScope("auth"), "owner", "wrong password", "192.0.2.7");

            // A user removed after the fact: SQLite's AUTOINCREMENT keeps its id used.
            long gone = new Fixtures(db).user("gone");
            TestDb.writeVoid(
                    db, tx -> tx.deleteFrom(USERS).where(USERS.ID.eq(gone)).execute());
            return new InstallationDataset(dir.resolve("test.db"), secret, samples, gone);
        }
    }
}
