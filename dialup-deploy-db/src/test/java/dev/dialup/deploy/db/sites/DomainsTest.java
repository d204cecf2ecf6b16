package dev.dialup.deploy.db.sites;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Domains;
import org.junit.jupiter.api.Test;

/** {@link Domains#normalize} without a database: the cheap guards before IDNA processing and their messages. */
class DomainsTest {
    @Test
    void inputUpToFourOctetsPerAllowedOctetReachesIdnaAndLongerIsCutOffFirst() {
        String atCap = "a".repeat(Domains.MAX_LENGTH * 4 - 4) + ".com"; // 1,012 characters: IDNA judges it
        assertThat(atCap).hasSize(Domains.MAX_LENGTH * 4);
        assertThatThrownBy(() -> Domains.normalize(atCap))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("labels must be at most 63 octets");
        String pastCap = "a" + atCap; // 1,013: refused before any IDNA work
        assertThatThrownBy(() -> Domains.normalize(pastCap))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be at most 253 octets");
    }

    @Test
    void aLoneSurrogateIsReportedAsInvalidUnicode() {
        assertThatThrownBy(() -> Domains.normalize("caf\uD800.example"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("lone UTF-16 surrogate");
        assertThat(Domains.normalize("Café.Example.")).isEqualTo("xn--caf-dma.example");
    }
}
