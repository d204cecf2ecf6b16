package dev.dialup.deploy.db.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import dev.dialup.deploy.db.access.Inputs;
import org.junit.jupiter.api.Test;

/** Every limit of {@link Inputs} tried at the limit and one past it (no database). */
class InputsAtTheLimitTest {

    @Test
    void usernames() {
        assertThat(Inputs.username(" Abc ")).isEqualTo("abc");
        assertThat(Inputs.username("a".repeat(32))).hasSize(32);
        assertThatThrownBy(() -> Inputs.username("ab"))
                .isInstanceOf(ValidationException.class)
                .hasMessage("username: must be 3 to 32 characters");
        assertThatThrownBy(() -> Inputs.username("a".repeat(33))).hasMessage("username: must be 3 to 32 characters");
        assertThatThrownBy(() -> Inputs.username("a_b-")).hasMessageStartingWith("username: may contain only");
        assertThatThrownBy(() -> Inputs.username("a\u0007bc"))
                .hasMessage("username: must not contain control characters");
        assertThatThrownBy(() -> Inputs.username(null)).hasMessage("username: must not be empty");
        assertThat(Inputs.username("a.b_c-d")).isEqualTo("a.b_c-d");
    }

    @Test
    void emails() {
        assertThat(Inputs.email(" Alice@Example.COM ")).isEqualTo("alice@example.com");
        String local64 = "l".repeat(64);
        assertThat(Inputs.email(local64 + "@example.com")).startsWith(local64);
        assertThatThrownBy(() -> Inputs.email("l".repeat(65) + "@example.com"))
                .hasMessage("email: has an invalid part before '@'");
        String domain = String.join(".", "a".repeat(63), "b".repeat(63), "c".repeat(61)); // 189 chars
        String at254 = "l".repeat(254 - 1 - domain.length()) + "@" + domain;
        assertThat(at254).hasSize(254);
        assertThat(Inputs.email(at254)).isEqualTo(at254);
        assertThatThrownBy(() -> Inputs.email("l" + at254)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> Inputs.email("l".repeat(10) + "@" + "d".repeat(63) + "." + domain))
                .hasMessage("email: must be at most 254 characters");
        assertThatThrownBy(() -> Inputs.email("@example.com")).hasMessage("email: must look like name@example.com");
        assertThatThrownBy(() -> Inputs.email("a@b@example.com")).hasMessage("email: must look like name@example.com");
        assertThatThrownBy(() -> Inputs.email("alice@")).hasMessage("email: must look like name@example.com");
        assertThatThrownBy(() -> Inputs.email("a..b@example.com")).hasMessage("email: has an invalid part before '@'");
        assertThatThrownBy(() -> Inputs.email("alice@localhost")).hasMessage("email: has an invalid domain");
        assertThatThrownBy(() -> Inputs.email("al\u0000ice@example.com"))
                .hasMessage("email: must not contain control characters");
        // IDN domains grow when converted: the stored length is checked again (241 chars typed, 259 stored).
        String idn = String.join(".", "ü".repeat(57), "ü".repeat(57), "ü".repeat(57)) + ".de";
        assertThatThrownBy(() -> Inputs.email("a".repeat(64) + "@" + idn))
                .hasMessage("email: must be at most 254 characters");
        assertThat(Inputs.email("a@bücher.example")).isEqualTo("a@xn--bcher-kva.example");
    }

    @Test
    void passwords() {
        assertThat(Inputs.newPassword("pw", "12345678")).isEqualTo("12345678");
        assertThatThrownBy(() -> Inputs.newPassword("pw", "1234567")).hasMessage("pw: must be at least 8 characters");
        assertThat(Inputs.newPassword("pw", "p".repeat(72))).hasSize(72);
        assertThatThrownBy(() -> Inputs.newPassword("pw", "p".repeat(73)))
                .hasMessage("pw: must be at most 72 bytes in UTF-8");
        // 36 two-byte characters are 72 bytes (accepted), 37 are 74 (refused): bytes, not characters.
        assertThat(Inputs.newPassword("pw", "é".repeat(36))).hasSize(36);
        assertThatThrownBy(() -> Inputs.newPassword("pw", "é".repeat(37)))
                .hasMessage("pw: must be at most 72 bytes in UTF-8");
        // 8 code points made of surrogate pairs count as 8 characters.
        assertThat(Inputs.newPassword("pw", "\uD83D\uDE00".repeat(8))).hasSize(16);
        assertThatThrownBy(() -> Inputs.newPassword("pw", "\uD83D\uDE00".repeat(7)))
                .hasMessage("pw: must be at least 8 characters");
        assertThatThrownBy(() -> Inputs.newPassword("pw", "")).hasMessage("pw: must not be empty");
        assertThatThrownBy(() -> Inputs.newPassword("pw", null)).hasMessage("pw: must not be empty");
        assertThatThrownBy(() -> Inputs.newPassword("pw", "password\n1"))
                .hasMessage("pw: must not contain control characters");
        assertThat(Inputs.newPassword("pw", "  spaced  ")).isEqualTo("  spaced  ");
        Inputs.passwordLength("pw", null);
        Inputs.passwordLength("pw", "p".repeat(72));
        assertThatThrownBy(() -> Inputs.passwordLength("pw", "p".repeat(73))).isInstanceOf(ValidationException.class);
    }

    @Test
    void namesLinesAndTexts() {
        assertThat(Inputs.name("name", " n ")).isEqualTo("n");
        assertThat(Inputs.name("name", "n".repeat(100))).hasSize(100);
        assertThatThrownBy(() -> Inputs.name("name", "n".repeat(101)))
                .hasMessage("name: must be at most 100 characters");
        assertThatThrownBy(() -> Inputs.name("name", "a\tb")).hasMessage("name: must not contain control characters");
        assertThatThrownBy(() -> Inputs.name("name", " ")).hasMessage("name: must not be empty");

        assertThat(Inputs.optionalLine("f", null, 5)).isNull();
        assertThat(Inputs.optionalLine("f", "  ", 5)).isNull();
        assertThat(Inputs.optionalLine("f", " abcde ", 5)).isEqualTo("abcde");
        assertThatThrownBy(() -> Inputs.optionalLine("f", "abcdef", 5)).hasMessage("f: must be at most 5 characters");
        assertThatThrownBy(() -> Inputs.optionalLine("f", "a\nb", 5))
                .hasMessage("f: must not contain control characters");

        assertThat(Inputs.optionalText("t", null, 5)).isNull();
        assertThat(Inputs.optionalText("t", " \n ", 5)).isNull();
        assertThat(Inputs.optionalText("t", "a\tb\nc", 5)).isEqualTo("a\tb\nc");
        assertThatThrownBy(() -> Inputs.optionalText("t", "a\tb\ncd", 5)).hasMessage("t: must be at most 5 characters");
        assertThatThrownBy(() -> Inputs.optionalText("t", "a\rb", 5))
                .hasMessage("t: must not contain control characters");
        assertThat(Inputs.required("r", " x ")).isEqualTo("x");
        assertThatThrownBy(() -> Inputs.required("r", null)).hasMessage("r: must not be empty");
        Inputs.noControl("n", "fine");
        assertThatThrownBy(() -> Inputs.noControl("n", "a\u0001")).hasMessage("n: must not contain control characters");
    }
}
