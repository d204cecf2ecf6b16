package dev.dialup.deploy.db.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dialup.deploy.db.ValidationException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The typed settings themselves, without a database: how stored text is read (trimmed, the
 * default when missing, unreadable or out of range), how values are validated at and one past
 * every bound, and the canonical text written back. The catalogue's keys are read through these
 * definitions, so a weakened check here is a weakened catalogue.
 */
class ConfigSettingTest {
    final ConfigSetting<Long> integer = ConfigSetting.integer("t.int", 12, 10, 16);
    final ConfigSetting<Duration> days = ConfigSetting.duration(
            "t.days", ChronoUnit.DAYS, Duration.ofDays(30), Duration.ofDays(1), Duration.ofDays(3650));
    final ConfigSetting<Duration> seconds = ConfigSetting.duration(
            "t.seconds", ChronoUnit.SECONDS, Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofDays(1));
    final ConfigSetting<Boolean> bool = ConfigSetting.bool("t.bool", true);
    final ConfigSetting<String> word = ConfigSetting.oneOf("t.word", "bcrypt", Set.of("bcrypt", "argon2id"));
    final ConfigSetting<String> text = ConfigSetting.string("t.text", "dialup", 5);
    final ConfigSetting<String> name = ConfigSetting.displayName("t.name", "dialup", 5);

    @Test
    void integersAreTrimmedAndRangeCheckedAtBothBounds() {
        assertThat(integer.parseOrDefault(" 13 ")).isEqualTo(13L);
        assertThat(integer.parseOrDefault("10")).isEqualTo(10L);
        assertThat(integer.parseOrDefault("16")).isEqualTo(16L);
        assertThat(integer.parseOrDefault("9")).isEqualTo(12L); // out of range: the default
        assertThat(integer.parseOrDefault("17")).isEqualTo(12L);
        assertThat(integer.parseOrDefault("twelve")).isEqualTo(12L);
        assertThat(integer.parseOrDefault(null)).isEqualTo(12L);
        assertThat(integer.parseOrDefault("  ")).isEqualTo(12L);
        assertThat(integer.formatValidated(10L)).isEqualTo("10");
        assertThat(integer.formatValidated(16L)).isEqualTo("16");
        assertThatThrownBy(() -> integer.formatValidated(9L))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be between 10 and 16");
        assertThatThrownBy(() -> integer.formatValidated(17L))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("t.int");
        assertThatThrownBy(() -> integer.formatValidated(null))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must not be null");
        assertThat(integer.canonical(" 14 ")).isEqualTo("14");
        assertThat(integer.canonical("99")).isEqualTo("12");
    }

    @Test
    void durationsAreWholeUnitsWithinTheirRange() {
        assertThat(days.parseOrDefault(" 7 ")).isEqualTo(Duration.ofDays(7));
        assertThat(days.parseOrDefault("1")).isEqualTo(Duration.ofDays(1));
        assertThat(days.parseOrDefault("3650")).isEqualTo(Duration.ofDays(3650));
        assertThat(days.parseOrDefault("0")).isEqualTo(Duration.ofDays(30));
        assertThat(days.parseOrDefault("3651")).isEqualTo(Duration.ofDays(30));
        assertThat(days.parseOrDefault("1.5")).isEqualTo(Duration.ofDays(30));
        assertThat(days.canonical("45")).isEqualTo("45");
        assertThat(days.formatValidated(Duration.ofDays(2))).isEqualTo("2");
        assertThatThrownBy(() -> days.formatValidated(Duration.ofDays(1).minusSeconds(1)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be between");
        assertThatThrownBy(() -> days.formatValidated(Duration.ofDays(3651))).isInstanceOf(ValidationException.class);
        // within range but not a whole number of days: refused, not silently truncated
        assertThatThrownBy(() -> days.formatValidated(Duration.ofDays(2).plusHours(1)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be whole days");
        assertThat(seconds.formatValidated(Duration.ofSeconds(5))).isEqualTo("5");
        assertThat(seconds.formatValidated(Duration.ofDays(1))).isEqualTo("86400");
        assertThatThrownBy(() -> seconds.formatValidated(Duration.ofSeconds(4)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> seconds.formatValidated(Duration.ofSeconds(5).plusMillis(500)))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be whole seconds");
    }

    @Test
    void booleansAcceptWordsAndDigitsAndNothingElse() {
        ConfigSetting<Boolean> off = ConfigSetting.bool("t.off", false);
        assertThat(off.parseOrDefault(" TRUE ")).isTrue();
        assertThat(off.parseOrDefault("1")).isTrue();
        assertThat(bool.parseOrDefault("False")).isFalse();
        assertThat(bool.parseOrDefault("0")).isFalse();
        assertThat(bool.parseOrDefault("yes")).isTrue(); // unreadable: the default (true)
        assertThat(off.parseOrDefault("yes")).isFalse(); // unreadable: the default (false)
        assertThat(bool.formatValidated(false)).isEqualTo("false");
        assertThat(bool.canonical("1")).isEqualTo("true");
    }

    @Test
    void wordsAreTrimmedLowerCasedAndFromTheSet() {
        assertThat(word.parseOrDefault(" Argon2id ")).isEqualTo("argon2id");
        assertThat(word.parseOrDefault("scrypt")).isEqualTo("bcrypt");
        assertThat(word.formatValidated("argon2id")).isEqualTo("argon2id");
        assertThatThrownBy(() -> word.formatValidated("md5"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must be one of [argon2id, bcrypt]");
    }

    @Test
    void stringsAreSingleLineNonBlankAndLengthLimited() {
        assertThat(text.formatValidated("abcde")).isEqualTo("abcde"); // at the limit
        assertThatThrownBy(() -> text.formatValidated("abcdef"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("at most 5");
        assertThatThrownBy(() -> text.formatValidated(" "))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("must not be blank");
        assertThatThrownBy(() -> text.formatValidated("a\nb"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("control characters");
        assertThatThrownBy(() -> text.formatValidated("a\uD800"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("lone UTF-16 surrogate");
        assertThat(text.parseOrDefault("a\tb")).isEqualTo("dialup"); // stored invalid text reads as the default
        assertThat(text.parseOrDefault("ok")).isEqualTo("ok");
        // a display name also refuses bidi controls and invisible format characters
        assertThat(name.formatValidated("abc")).isEqualTo("abc");
        assertThatThrownBy(() -> name.formatValidated("a\u202Eb"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("bidi controls");
        assertThatThrownBy(() -> name.formatValidated("abcdef"))
                .isInstanceOf(ValidationException.class)
                .hasMessageContaining("at most 5");
        assertThat(name.parseOrDefault("a\u200Bb")).isEqualTo("dialup");
    }

    @Test
    void describesItselfWithoutSurprises() {
        assertThat(integer.key()).isEqualTo("t.int");
        assertThat(integer.type()).isEqualTo(Long.class);
        assertThat(integer.defaultValue()).isEqualTo(12L);
        assertThat(integer.toString()).isEqualTo("ConfigSetting[t.int: Long = 12]");
        ConfigSetting<Long> relaxed = ConfigSetting.relaxed(integer, 4, 16);
        assertThat(relaxed.key()).isEqualTo("t.int");
        assertThat(relaxed.defaultValue()).isEqualTo(12L);
        assertThat(relaxed.parseOrDefault("4")).isEqualTo(4L);
        assertThat(relaxed.parseOrDefault("3")).isEqualTo(12L);
    }

    @Test
    void theCatalogueListsEverySettingOnceAndFindsEachByKey() {
        var all = ConfigSettings.all();
        assertThat(all)
                .hasSize(23)
                .contains(
                        ConfigSettings.BCRYPT_COST,
                        ConfigSettings.AUDIT_RETENTION,
                        ConfigSettings.PLATFORM_NAME,
                        ConfigSettings.LOGIN_LOCKOUT);
        assertThat(all.stream().map(ConfigSetting::key).distinct()).hasSize(all.size());
        for (ConfigSetting<?> s : all) {
            assertThat(ConfigSettings.find(s.key())).containsSame(s);
        }
        assertThat(ConfigSettings.find("no.such.key")).isEmpty();
    }
}
