package dev.dialup.deploy.db.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Domains;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Slugs, Domains and Branches at and just past every limit (no database: pure validation). */
class ValidatorsAtTheLimitTest {

    @Test
    void slugifyFoldsTrimsAndCutsAtTheLimit() {
        assertThat(Slugs.slugify("Café Déjà Vu!")).isEqualTo("cafe-deja-vu");
        assertThat(Slugs.slugify("--Hello--World--")).isEqualTo("hello-world");
        assertThat(Slugs.slugify("!!!")).isEqualTo("site");
        assertThat(Slugs.slugify(null)).isEqualTo("site");
        assertThat(Slugs.slugify("a".repeat(63))).hasSize(63);
        assertThat(Slugs.slugify("a".repeat(64))).isEqualTo("a".repeat(63));
        assertThat(Slugs.slugify("a".repeat(62) + " b")).isEqualTo("a".repeat(62)); // the cut leaves a dash: trimmed
    }

    @Test
    void slugValidityAtTheLimits() {
        assertThat(Slugs.isValid("a")).isTrue();
        assertThat(Slugs.isValid("a".repeat(63))).isTrue();
        assertThat(Slugs.isValid("a".repeat(64))).isFalse();
        assertThat(Slugs.isValid("a-b")).isTrue();
        assertThat(Slugs.isValid("a--b")).isFalse();
        assertThat(Slugs.isValid("-a")).isFalse();
        assertThat(Slugs.isValid("a-")).isFalse();
        assertThat(Slugs.isValid("")).isFalse();
        assertThat(Slugs.isValid(null)).isFalse();
        assertThat(Slugs.require("  My-Site ")).isEqualTo("my-site");
        assertThatThrownBy(() -> Slugs.require(" "))
                .isInstanceOf(ValidationException.class)
                .hasMessage("slug: must not be empty");
        assertThatThrownBy(() -> Slugs.require(null))
                .isInstanceOf(ValidationException.class)
                .hasMessage("slug: must not be empty");
        assertThatThrownBy(() -> Slugs.require("a_b"))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("slug: must be 1 to 63");
    }

    @Test
    void uniqueSlugsCountUpAndStayWithinTheLimit() {
        Set<String> taken = new HashSet<>(Set.of("web", "web-2"));
        assertThat(Slugs.unique("free", taken::contains)).isEqualTo("free");
        assertThat(Slugs.unique("web", taken::contains)).isEqualTo("web-3");
        String base = "b".repeat(63);
        Set<String> long1 = new HashSet<>(Set.of(base));
        assertThat(Slugs.unique(base, long1::contains))
                .isEqualTo("b".repeat(61) + "-2")
                .hasSize(63);
        String dashy = "c".repeat(60) + "-dd";
        assertThat(Slugs.unique(dashy, dashy::equals)).isEqualTo("c".repeat(60) + "-2");
        String fits = "e".repeat(61);
        assertThat(Slugs.unique(fits, fits::equals)).isEqualTo(fits + "-2").hasSize(63);
        Set<String> many = new HashSet<>();
        many.add("x");
        for (int i = 2; i < 12; i++) many.add("x-" + i);
        assertThat(Slugs.unique("x", many::contains)).isEqualTo("x-12");
    }

    @Test
    void domainsAtTheLimits() {
        assertThat(Domains.normalize(" Bücher.Example. ")).isEqualTo("xn--bcher-kva.example");
        String label63 = "a".repeat(63);
        assertThat(Domains.normalize(label63 + ".com")).isEqualTo(label63 + ".com");
        assertThatThrownBy(() -> Domains.normalize("a".repeat(64) + ".com")).isInstanceOf(ValidationException.class);
        String name253 = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(63), "d".repeat(61));
        assertThat(name253).hasSize(253);
        assertThat(Domains.normalize(name253)).hasSize(253);
        assertThatThrownBy(() -> Domains.normalize(name253 + "d"))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("domain: ");
        assertThatThrownBy(() -> Domains.normalize("x".repeat(253 * 4 + 1)))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: must be at most 253 octets");
        assertThat(Domains.normalize("x".repeat(60) + ".com")).hasSize(64);
        assertThatThrownBy(() -> Domains.normalize("localhost"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: needs at least two labels (example.com)");
        assertThatThrownBy(() -> Domains.normalize("10.0.0.1"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("not an IP address");
        assertThat(Domains.normalize("a.b2")).isEqualTo("a.b2");
        assertThatThrownBy(() -> Domains.normalize("a b.com"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: must not contain spaces or control characters");
        assertThatThrownBy(() -> Domains.normalize("*.example.com")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Domains.normalize("a..com")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Domains.normalize("-a.com")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Domains.normalize(" "))
                .isInstanceOf(ValidationException.class)
                .hasMessage("domain: must not be empty");
        assertThatThrownBy(() -> Domains.normalize(null)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Domains.normalize(".")).isInstanceOf(ValidationException.class);
    }

    @Test
    void labelsAtTheLimits() {
        assertThat(Domains.label("subdomain", " Web-1 ")).isEqualTo("web-1");
        assertThat(Domains.label("subdomain", "a".repeat(63))).hasSize(63);
        assertThatThrownBy(() -> Domains.label("subdomain", "a".repeat(64)))
                .isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("subdomain: must be 1 to 63");
        assertThatThrownBy(() -> Domains.label("subdomain", ""))
                .isInstanceOf(ValidationException.class)
                .hasMessage("subdomain: must not be empty");
        assertThatThrownBy(() -> Domains.label("subdomain", null)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Domains.label("subdomain", "a.b")).isInstanceOf(ValidationException.class);
    }

    @Test
    void branchMessagesNameTheRuleAndTheLimitIsExact() {
        assertThat(Branches.require("branch", "b".repeat(255))).hasSize(255);
        assertThatThrownBy(() -> Branches.require("branch", "b".repeat(256)))
                .hasMessage("branch: is not a valid git branch name: must be at most 255 characters");
        assertThatThrownBy(() -> Branches.require("branch", null))
                .hasMessage("branch: is not a valid git branch name: must not be empty");
        assertThatThrownBy(() -> Branches.require("branch", "-x"))
                .hasMessage("branch: is not a valid git branch name: must not start with '-'");
        assertThatThrownBy(() -> Branches.require("branch", "a b"))
                .hasMessageEndingWith("must not contain whitespace, control or formatting characters");
        assertThatThrownBy(() -> Branches.require("branch", "a\u007fb"))
                .hasMessageEndingWith("must not contain whitespace, control or formatting characters");
        assertThatThrownBy(() -> Branches.require("branch", "a:b"))
                .hasMessageEndingWith("must not contain any of ~ ^ : ? * [ \\");
        assertThatThrownBy(() -> Branches.require("branch", "a..b")).hasMessageEndingWith("must not contain '..'");
        assertThatThrownBy(() -> Branches.require("branch", "a@{b")).hasMessageEndingWith("must not contain '@{'");
        assertThatThrownBy(() -> Branches.require("branch", "a//b"))
                .hasMessageEndingWith("must not start or end with '/' or contain '//'");
        assertThatThrownBy(() -> Branches.require("branch", "a.")).hasMessageEndingWith("must not end with '.'");
        assertThatThrownBy(() -> Branches.require("branch", "a/.b"))
                .hasMessageEndingWith("must not have a component starting with '.'");
        assertThatThrownBy(() -> Branches.require("branch", "a.lock/b"))
                .hasMessageEndingWith("must not have a component ending with '.lock'");
        assertThatThrownBy(() -> Branches.require("branch", "HEAD")).hasMessageEndingWith("is a reserved name");
        assertThat(Branches.require("branch", "a@b")).isEqualTo("a@b");
        assertThat(Branches.require("branch", "\uD83D\uDE00-emoji")).isEqualTo("\uD83D\uDE00-emoji");
    }
}
