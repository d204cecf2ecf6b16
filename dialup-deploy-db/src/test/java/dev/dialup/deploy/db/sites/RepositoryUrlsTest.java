package dev.dialup.deploy.db.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.core.AccessScope;
import dev.dialup.deploy.db.core.AccessScopes;
import dev.dialup.deploy.db.core.DialupDatabase;
import dev.dialup.deploy.db.testing.BothEngines;
import dev.dialup.deploy.db.testing.DbSnapshot;
import dev.dialup.deploy.db.testing.Fixtures;
import dev.dialup.deploy.db.testing.TempDatabase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Repository URLs (issue 10): only https, ssh and scp-like; nothing git or ssh could read as an option. */
@BothEngines
class RepositoryUrlsTest {
    @RegisterExtension
    static final TempDatabase TEMP = TempDatabase.create();

    static DialupDatabase db;
    static SiteRepository sites;
    static AccessScope owner;
    static long site;

    @BeforeAll
    static void open() {
        db = TEMP.db();
        sites = new SiteRepository(db);
        Fixtures f = new Fixtures(db);
        long u = f.user("owner");
        site = f.personalSite("Repo Site", u);
        owner = new AccessScopes(db).forUser(u);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "https://github.com/acme/shop.git",
                "https://git.example:8443/acme/shop",
                "https://token@git.example/acme/shop.git",
                "ssh://git@git.example/acme/shop.git",
                "ssh://git@git.example:2222/acme/shop.git",
                "SSH://git.example/acme/shop.git",
                "git@github.com:acme/shop.git",
                "deploy@10.0.0.5:/srv/git/shop.git",
                "github.com:acme/shop.git"
            })
    void acceptedUrlsRoundTripExactly(String url) {
        SiteConfig saved = sites.update(owner, site, SiteConfig.defaults().withRepository(url, "main"))
                .config();

        assertThat(saved.repositoryUrl()).isEqualTo(url);
        assertThat(sites.find(owner, site).config().repositoryUrl()).isEqualTo(url);
    }

    @ParameterizedTest(name = "{0} is refused: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ssh://-oProxyCommand=touch${IFS}pwned/repo|host must not start with '-' (ssh would read it as an option)",
                "ssh://-oProxyCommand=x@host/repo|user must not start with '-' (ssh would read it as an option)",
                "ssh://git@-oProxyCommand=x/repo|host must not start with '-' (ssh would read it as an option)",
                "https://git.example/-upload-pack=touch|path must not start with '-' (git would read it as an option)",
                "git@git.example:-oProxyCommand=x|path must not start with '-' (git would read it as an option)",
                "-oProxyCommand=x:repo|must not start with '-' (git would read it as an option)",
                "--upload-pack=touch /tmp/pwned|must not contain spaces or backslashes",
                "-u@host:repo|must not start with '-' (git would read it as an option)",
                "http://git.example/acme/shop.git|must be an https://, ssh:// or user@host:path URL (the scheme http:// is not cloned by the platform)",
                "git://git.example/acme/shop.git|must be an https://, ssh:// or user@host:path URL (the scheme git:// is not cloned by the platform)",
                "file:///etc/passwd|must be an https://, ssh:// or user@host:path URL (the scheme file:// is not cloned by the platform)",
                "ext::sh -c touch% /tmp/pwned|must not contain spaces or backslashes",
                "ext::sh|must be an https://, ssh:// or user@host:path URL (remote helpers such as ext:: are refused)",
                "/srv/git/shop.git|must be an https://, ssh:// or user@host:path URL",
                "../shop|must be an https://, ssh:// or user@host:path URL",
                "https://|needs a host",
                "https://git.example|needs a repository path",
                "https://git_example.com/x|has an invalid host"
            })
    void optionInjectionAndOtherSchemesAreRefusedAndNothingIsWritten(String url, String problem) {
        var before = DbSnapshot.of(db);

        Throwable t = catchThrowable(
                () -> sites.update(owner, site, SiteConfig.defaults().withRepository(url, "main")));

        assertThat(t).isInstanceOf(ValidationException.class).hasMessage("repositoryUrl: " + problem);
        assertThat(((ValidationException) t).field()).isEqualTo("repositoryUrl");
        assertThat(DbSnapshot.of(db)).isEqualTo(before);
    }
}
