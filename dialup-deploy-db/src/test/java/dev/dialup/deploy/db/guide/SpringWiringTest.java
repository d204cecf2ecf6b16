package dev.dialup.deploy.db.guide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.deploy.DeploymentRepository;
import dev.dialup.deploy.db.guide.GuideSnippets.Response;
import dev.dialup.deploy.db.guide.GuideSnippets.SiteService;
import dev.dialup.deploy.db.sites.SiteLimitsRepository;
import dev.dialup.deploy.db.sites.SiteRepository;
import dev.dialup.deploy.db.tenancy.UserRepository;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The library in a real DI container (Spring Framework, test scope only): DialupDatabase and the
 * repositories are singletons, constructor-injected into a sample service; closing the context
 * closes the database. Nothing in the library knows about Spring.
 */
class SpringWiringTest {
    @TempDir
    Path dir;

    @Configuration
    static class DataConfig {
        static Path file;

        @Bean(destroyMethod = "close")
        DialupDatabase database() {
            return DialupDatabase.builder().path(file).allowSystemScope().build();
        }

        @Bean
        UserRepository users(DialupDatabase db) {
            return new UserRepository(db);
        }

        @Bean
        AccessScopes scopes(DialupDatabase db) {
            return new AccessScopes(db);
        }

        @Bean
        SiteRepository sites(DialupDatabase db) {
            return new SiteRepository(db);
        }

        @Bean
        SiteLimitsRepository limits(DialupDatabase db) {
            return new SiteLimitsRepository(db);
        }

        @Bean
        DeploymentRepository deployments(DialupDatabase db) {
            return new DeploymentRepository(db);
        }

        @Bean
        SiteService siteService(
                UserRepository users,
                AccessScopes scopes,
                SiteRepository sites,
                SiteLimitsRepository limits,
                DeploymentRepository deployments) {
            return new SiteService(users, scopes, sites, limits, deployments);
        }
    }

    @Test
    void theContextWiresSingletonsRunsARequestAndClosesTheDatabaseOnShutdown() {
        DataConfig.file = dir.resolve("spring.db");
        DialupDatabase db;
        try (var context = new AnnotationConfigApplicationContext(DataConfig.class)) {
            db = context.getBean(DialupDatabase.class);
            assertThat(context.getBean(SiteRepository.class)).isSameAs(context.getBean(SiteRepository.class));
            assertThat(context.getBeanNamesForType(DialupDatabase.class)).hasSize(1);
            GuideSnippets.seed(db);

            Response response = context.getBean(SiteService.class)
                    .deploy(
                            GuideSnippets.authService(db),
                            "guide-owner",
                            "correct horse battery",
                            "guide-shop",
                            "cafe1234");
            assertThat(response.status()).isEqualTo(201);
            assertThat(response.body()).endsWith(" of guide-shop (512 MB)");
        }
        // The container closed the database: it no longer hands out connections.
        assertThatThrownBy(() -> db.read(dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.USERS)))
                .isInstanceOf(RuntimeException.class);
        // ...and released the file: a new instance opens it and sees the committed request.
        try (DialupDatabase again = DialupDatabase.builder()
                .path(DataConfig.file)
                .allowSystemScope()
                .build()) {
            assertThat((int) again.read(dsl -> dsl.fetchCount(dev.dialup.deploy.db.generated.Tables.DEPLOYMENTS)))
                    .isEqualTo(1);
        }
    }
}
