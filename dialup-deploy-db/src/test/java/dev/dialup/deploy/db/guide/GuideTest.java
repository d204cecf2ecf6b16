package dev.dialup.deploy.db.guide;

import static dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.guide.GuideSnippets.Response;
import dev.dialup.deploy.db.guide.GuideSnippets.SiteService;
import dev.dialup.deploy.db.secrets.SecretsKeyset;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.tenancy.UserRepository;
import dev.dialup.deploy.db.usage.OverLimit;
import dev.dialup.deploy.db.usage.UsageDimension;
import dev.dialup.deploy.db.usage.UsageRecorder;
import dev.dialup.deploy.db.usage.UsageRepository;
import dev.dialup.deploy.db.usage.UsageSample;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/guide.md cannot rot: its java blocks are GuideSnippets' regions, which compile and run here. */
class GuideTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern REGION =
            Pattern.compile("// snippet: ([a-z-]+)\\n(.*?)// end snippet", Pattern.DOTALL);

    @TempDir
    Path dir;

    static Path repoFile(String relative) {
        for (Path base = Path.of("").toAbsolutePath(); base != null; base = base.getParent()) {
            if (Files.exists(base.resolve(relative))) return base.resolve(relative);
        }
        throw new AssertionError("not found: " + relative);
    }

    private static List<String> normalized(String code) {
        List<String> lines = new ArrayList<>();
        for (String l : code.split("\\n")) {
            if (!l.isBlank()) lines.add(l.strip());
        }
        return lines;
    }

    private static String withoutWhitespace(List<String> lines) {
        return String.join("", lines).replaceAll("\\s+", "");
    }

    private static Map<String, List<String>> regions(String text, Pattern p, int nameGroup, int bodyGroup) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m = p.matcher(text);
        while (m.find()) out.put(m.group(nameGroup), normalized(m.group(bodyGroup)));
        return out;
    }

    @Test
    void everyJavaBlockOfTheGuideIsASnippetThatCompilesInGuideSnippets() throws Exception {
        String guide = Files.readString(repoFile("docs/guide.md"), StandardCharsets.UTF_8);
        String source = Files.readString(
                repoFile("src/test/java/dev/dialup/deploy/db/guide/GuideSnippets.java"), StandardCharsets.UTF_8);
        Map<String, List<String>> snippets = regions(source, REGION, 1, 2);
        Matcher blocks = BLOCK.matcher(guide);
        int count = 0;
        while (blocks.find()) {
            String block = blocks.group(1);
            Matcher named = REGION.matcher(block + "// end snippet");
            assertThat(named.find())
                    .as("every ```java block of docs/guide.md starts with // snippet: NAME:%n%s", block)
                    .isTrue();
            assertThat(snippets)
                    .as("GuideSnippets has the region %s", named.group(1))
                    .containsKey(named.group(1));
            // Same code and comments, whatever the line breaks: the formatter may wrap the snippet's
            // lines differently from the guide's.
            assertThat(withoutWhitespace(normalized(named.group(2))))
                    .as(
                            "guide block %s equals GuideSnippets' region (ignoring whitespace):%n%s",
                            named.group(1), String.join("\n", snippets.get(named.group(1))))
                    .isEqualTo(withoutWhitespace(snippets.get(named.group(1))));
            count++;
        }
        assertThat(count).isEqualTo(snippets.size()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void theLifecycleAndKeysetSnippetsRun() {
        GuideSnippets.lifecycle(dir.resolve("lifecycle.db"));
        SecretsKeyset keyset = GuideSnippets.keyset(dir);
        assertThat(keyset.keyIds()).contains(keyset.primaryKeyId());
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dir.resolve("lifecycle.db"))
                .allowSystemScope()
                .build()) {
            long site = GuideSnippets.seed(db);
            var env = GuideSnippets.environment(db, keyset);
            env.set(GuideSnippets.authService(db), site, "API_TOKEN", "s3cret-value", true);
            assertThat(env.get(GuideSnippets.authService(db), site, "API_TOKEN").toString())
                    .doesNotContain("s3cret-value");
        }
    }

    @Test
    void theRequestFlowAnswersMemberOutsiderAndStrangerAsDocumented() {
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dir.resolve("flow.db"))
                .allowSystemScope()
                .build()) {
            GuideSnippets.seed(db);
            SiteService service = new SiteService(
                    new UserRepository(db),
                    new AccessScopes(db),
                    new SiteRepository(db),
                    new SiteLimitsRepository(db),
                    new DeploymentRepository(db));
            var auth = GuideSnippets.authService(db);

            Response ok = service.deploy(auth, "guide-owner", "correct horse battery", "guide-shop", "abc1234");
            assertThat(ok.status()).isEqualTo(201);
            assertThat(ok.body()).startsWith("deployment ").endsWith(" of guide-shop (512 MB)");

            int deploymentsBefore = db.read(dsl -> dsl.fetchCount(DEPLOYMENTS));
            assertThat(service.deploy(auth, "guide-owner", "wrong password", "guide-shop", "abc1234")
                            .status())
                    .isEqualTo(401);
            Response outsider =
                    service.deploy(auth, "guide-outsider", "correct horse battery", "guide-shop", "abc1234");
            Response missing = service.deploy(auth, "guide-owner", "correct horse battery", "no-such-site", "abc1234");
            assertThat(outsider.status()).isEqualTo(404);
            assertThat(missing.status()).isEqualTo(404);
            assertThat(service.deploy(auth, "guide-owner", "correct horse battery", "guide-shop", "not a commit!")
                            .status())
                    .isEqualTo(400);
            assertThat((int) db.read(dsl -> dsl.fetchCount(DEPLOYMENTS)))
                    .as("refused requests wrote no deployment")
                    .isEqualTo(deploymentsBefore);
        }
    }

    @Test
    void theUsageSnippetRecordsARoundAndReportsTheSiteOverItsMemoryLimit() {
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dir.resolve("usage.db"))
                .allowSystemScope()
                .build()) {
            long site = GuideSnippets.seed(db); // limits: 512 MB memory
            UsageRepository usage = new UsageRepository(db);
            List<UsageSample> round =
                    List.of(UsageSample.of(site, Instant.now().minusSeconds(1), 600, 10, 100, 0.5, 20, 12));
            assertThat(GuideSnippets.monitoringRound(db, usage, round))
                    .extracting(OverLimit::dimension)
                    .containsExactly(UsageDimension.MEMORY);
            assertThat(usage.recordBatch(db.systemScope("monitoring"), round))
                    .as("a re-sent round writes nothing")
                    .isZero();
        }
    }

    @Test
    void theRecorderSnippetStoresGoodSamplesAndCountsTheOthers() {
        try (DialupDatabase db = DialupDatabase.builder()
                .path(dir.resolve("recorder.db"))
                .allowSystemScope()
                .build()) {
            long site = GuideSnippets.seed(db);
            UsageRepository usage = new UsageRepository(db);
            LongAdder dropped = new LongAdder();
            UsageRecorder recorder = GuideSnippets.startRecorder(db, usage, dropped);
            Instant at = Instant.now().minusSeconds(5);
            GuideSnippets.onSample(recorder, UsageSample.of(site, at, 100, 10, 100, 0.5, 20, 12));
            GuideSnippets.onSample(recorder, UsageSample.of(site + 1000, at, 100, 10, 100, 0.5, 20, 12));
            GuideSnippets.stopRecorder(recorder);

            assertThat(usage.series(db.systemScope("monitoring"), site, at.minusSeconds(1), at.plusSeconds(1)))
                    .hasSize(1);
            assertThat(dropped.sum()).as("the sample of a missing site").isEqualTo(1);
            assertThat(recorder.recorded()).isEqualTo(1);
        }
    }
}
