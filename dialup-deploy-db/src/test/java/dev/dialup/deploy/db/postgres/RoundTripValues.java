package dev.dialup.deploy.db.postgres;

import dev.dialup.deploy.db.engine.jooq.StoredTime;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import java.util.Random;

/**
 * Random values for {@link EngineRoundTripPropertyTest}, all drawn from one seeded {@link Random}: instants
 * (pre-1970, up to 9999-12-31, sub-millisecond parts, daylight-saving transitions, calendar edges), dates, longs
 * and ints with their extremes, finite doubles, bytes and Unicode text (astral-plane emoji, combining marks,
 * right-to-left text and bidi controls, control characters other than NUL, noncharacters, very long strings).
 */
final class RoundTripValues {
    /** Zones whose transitions give daylight-saving edges (also half-hour and 45-minute offsets). */
    static final List<ZoneId> ZONES = List.of(
            ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/New_York"),
            ZoneId.of("America/St_Johns"),
            ZoneId.of("Australia/Lord_Howe"),
            ZoneId.of("Pacific/Chatham"),
            ZoneId.of("Asia/Kathmandu"),
            ZoneId.of("Europe/London"));

    private static final List<Instant> SPECIAL_INSTANTS = List.of(
            StoredTime.FIRST,
            StoredTime.FIRST.plusNanos(999_999),
            StoredTime.LAST,
            StoredTime.LAST.plusNanos(999_999), // truncates to LAST
            Instant.EPOCH,
            Instant.EPOCH.minusNanos(1), // 1969-12-31T23:59:59.999999999Z -> .999 of the second before
            Instant.EPOCH.minusMillis(1),
            Instant.EPOCH.plusNanos(1),
            Instant.parse("1582-10-04T23:59:59.999Z"), // the last Julian day in java.util's hybrid calendar
            Instant.parse("1582-10-15T00:00:00Z"),
            Instant.parse("1847-12-01T00:01:14Z"), // London leaves local mean time
            Instant.parse("1893-04-01T00:00:00Z"), // Berlin leaves local mean time
            Instant.parse("1900-02-28T23:59:59.9995Z"), // 1900 is not a leap year; rounding would give 03-01
            Instant.parse("2000-02-29T12:00:00Z"),
            Instant.parse("2038-01-19T03:14:07.999Z"),
            Instant.parse("2038-01-19T03:14:08Z"),
            Instant.parse("1999-12-31T23:59:59.999999999Z"),
            Instant.parse("9999-12-31T00:00:00Z"),
            Instant.parse("0999-12-31T23:59:59.999Z"));

    private static final List<LocalDate> SPECIAL_DATES = List.of(
            StoredTime.FIRST_DATE,
            StoredTime.LAST_DATE,
            LocalDate.of(1582, 10, 4),
            LocalDate.of(1582, 10, 15),
            LocalDate.of(1969, 12, 31),
            LocalDate.of(1970, 1, 1),
            LocalDate.of(1900, 2, 28),
            LocalDate.of(2000, 2, 29),
            LocalDate.of(2026, 3, 29), // Europe's spring-forward day
            LocalDate.of(2026, 10, 25),
            LocalDate.of(999, 12, 31));

    private static final long[] SPECIAL_LONGS = {
        Long.MIN_VALUE,
        Long.MIN_VALUE + 1,
        Long.MAX_VALUE,
        Long.MAX_VALUE - 1,
        0,
        -1,
        1,
        Integer.MAX_VALUE,
        Integer.MAX_VALUE + 1L,
        Integer.MIN_VALUE,
        Integer.MIN_VALUE - 1L,
        1L << 53,
        (1L << 53) + 1 // not exactly representable as a double
    };

    private static final double[] SPECIAL_DOUBLES = {
        0.0,
        Double.MIN_VALUE,
        Double.MIN_NORMAL,
        Double.MAX_VALUE,
        0.1,
        1.0 / 3,
        1e-300,
        1e300,
        9007199254740993.0,
        100.0
    };

    /** Single code points worth having in any text. */
    private static final int[] SPECIAL_CODE_POINTS = {
        0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10FFFF, 0x10FFFD, 0x2028, 0x2029, 0x00A0, 0x3000, 0x200B, 0x200D, 0x00AD,
        0x0130, 0x0131, 0x00DF, 0x1E9E, 0x03A3, 0x03C2, 0x212A, 0x7F, 0x85, 0x9F, '\'', '"', '\\', '%', '_', ';'
    };

    private static final int[] BIDI_CONTROLS = {
        0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x061C
    };

    final Random random;

    RoundTripValues(long seed) {
        this.random = new Random(seed);
    }

    boolean chance(int percent) {
        return random.nextInt(100) < percent;
    }

    <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** {@code value}, or null one time in five. */
    <T> T orNull(T value) {
        return chance(20) ? null : value;
    }

    Boolean bool() {
        return random.nextBoolean();
    }

    Boolean nullableBool() {
        return orNull(random.nextBoolean());
    }

    // ---- Instants and dates

    /** Any instant both engines store (before truncation to milliseconds). */
    Instant instant() {
        long first = StoredTime.FIRST.getEpochSecond();
        long last = StoredTime.LAST.getEpochSecond();
        return switch (random.nextInt(9)) {
            case 0 -> Instant.ofEpochSecond(between(first, last), random.nextInt(1_000_000_000));
            case 1 -> Instant.ofEpochSecond(between(-864_000, 864_000), random.nextInt(1_000_000_000)); // near 1970
            case 2 -> nearTransition();
            case 3 -> pick(SPECIAL_INSTANTS);
            case 4 -> Instant.ofEpochSecond(between(946_684_800L, 4_102_444_800L), random.nextInt(1_000_000_000));
            case 5 -> Instant.ofEpochMilli(between(first * 1000, last * 1000 + 999)); // whole milliseconds
            case 6 -> Instant.ofEpochSecond(between(first, -1), random.nextInt(1_000_000_000)); // before 1970
            case 7 ->
                Instant.ofEpochSecond(
                        between(first, last),
                        (random.nextInt(1_000_000) * 1000 + 999_500)
                                % 1_000_000_000); // the sub-millisecond part at or above .5: truncation, not rounding
            default -> Instant.ofEpochSecond(between(first, last), 0).plusNanos(999_999_999);
        };
    }

    /** An instant within microseconds to an hour of a daylight-saving (or other offset) transition. */
    private Instant nearTransition() {
        ZoneId zone = pick(ZONES);
        Instant from = LocalDateTime.of((int) between(1850, 2100), 1, 1, 0, 0).toInstant(ZoneOffset.UTC);
        ZoneOffsetTransition t = zone.getRules().nextTransition(from);
        Instant at = t == null ? from : t.getInstant();
        Duration shift = switch (random.nextInt(6)) {
            case 0 -> Duration.ZERO;
            case 1 -> Duration.ofNanos(-1);
            case 2 -> Duration.ofNanos(1);
            case 3 -> Duration.ofMillis(-1);
            case 4 -> Duration.ofNanos(999_999);
            default -> Duration.ofSeconds(between(-3600, 3600));
        };
        return at.plus(shift);
    }

    Instant nullableInstant() {
        return orNull(instant());
    }

    /** An instant other than {@code not} once both are truncated (an update that changes the stored value). */
    Instant instantOtherThan(Instant not) {
        Instant next = instant();
        while (not != null && StoredTime.truncate(next).equals(StoredTime.truncate(not))) {
            next = instant();
        }
        return next;
    }

    LocalDate date() {
        return switch (random.nextInt(4)) {
            case 0 -> pick(SPECIAL_DATES);
            case 1 -> LocalDate.ofEpochDay(between(-36_500, 36_500));
            default ->
                LocalDate.ofEpochDay(between(StoredTime.FIRST_DATE.toEpochDay(), StoredTime.LAST_DATE.toEpochDay()));
        };
    }

    // ---- Numbers

    long anyLong() {
        return chance(30) ? SPECIAL_LONGS[random.nextInt(SPECIAL_LONGS.length)] : random.nextLong();
    }

    long nonNegativeLong() {
        long v = anyLong();
        return v == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(v);
    }

    /** A non-negative long below 2^50, for columns that triggers add up. */
    long modestLong() {
        return chance(20) ? 0 : random.nextLong() >>> 14;
    }

    int nonNegativeInt() {
        return switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> Integer.MAX_VALUE;
            default -> random.nextInt(Integer.MAX_VALUE);
        };
    }

    /** A finite double of at least zero (-0.0, NaN and infinities are not stored alike: docs/schema.md). */
    double nonNegativeDouble() {
        if (chance(30)) return SPECIAL_DOUBLES[random.nextInt(SPECIAL_DOUBLES.length)];
        return Math.abs(random.nextDouble() * Math.pow(10, between(-20, 20)));
    }

    long between(long lowInclusive, long highInclusive) {
        return lowInclusive + (long) (random.nextDouble() * (highInclusive - lowInclusive + 1.0));
    }

    byte[] bytes() {
        byte[] b = new byte[random.nextInt(5) == 0 ? 0 : random.nextInt(4096)];
        random.nextBytes(b);
        return b;
    }

    // ---- Text

    /** Unicode text of up to {@code maxCodePoints}, sometimes empty, once in a while very long. */
    String text(int maxCodePoints) {
        int n = chance(4) && maxCodePoints >= 1000
                ? (int) between(10_000, 120_000)
                : random.nextInt(Math.min(maxCodePoints, 48) + 1);
        return text(n, n);
    }

    /** Unicode text of {@code min}..{@code max} code points. */
    String text(int min, int max) {
        int n = (int) between(min, max);
        StringBuilder sb = new StringBuilder();
        int count = 0;
        while (count < n) {
            int kind = random.nextInt(12);
            switch (kind) {
                case 0 -> sb.appendCodePoint((int) between(0x20, 0x7E));
                case 1 -> sb.appendCodePoint((int) between(0x01, 0x1F)); // control characters, never NUL
                case 2 -> sb.appendCodePoint((int) between(0xA0, 0x24F));
                case 3 -> {
                    // a base letter with up to three combining marks
                    sb.appendCodePoint((int) between('a', 'z'));
                    int marks = (int) Math.min(between(1, 3), Math.max(0, n - count - 1));
                    for (int i = 0; i < marks; i++) sb.appendCodePoint((int) between(0x300, 0x36F));
                    count += marks;
                }
                case 4 -> sb.appendCodePoint((int) between(0x5D0, 0x5EA)); // Hebrew
                case 5 -> sb.appendCodePoint((int) between(0x621, 0x64A)); // Arabic
                case 6 -> sb.appendCodePoint(BIDI_CONTROLS[random.nextInt(BIDI_CONTROLS.length)]);
                case 7 -> sb.appendCodePoint((int) between(0x4E00, 0x9FFF));
                case 8 -> sb.appendCodePoint((int) between(0x1F300, 0x1FAFF)); // emoji: astral plane, surrogate pairs
                case 9 -> sb.appendCodePoint(SPECIAL_CODE_POINTS[random.nextInt(SPECIAL_CODE_POINTS.length)]);
                case 10 -> sb.appendCodePoint(anyScalarValue());
                default -> {
                    // a ZWJ emoji sequence or a flag (regional indicators), counted as one step
                    if (random.nextBoolean()) {
                        sb.appendCodePoint(0x1F469).appendCodePoint(0x200D).appendCodePoint(0x1F469);
                    } else {
                        sb.appendCodePoint((int) between(0x1F1E6, 0x1F1FF))
                                .appendCodePoint((int) between(0x1F1E6, 0x1F1FF));
                    }
                    count += 2;
                }
            }
            count++;
        }
        // A count can overshoot by the extra code points of a step: cut back to n code points.
        String s = sb.toString();
        return s.codePointCount(0, s.length()) <= n ? s : s.substring(0, s.offsetByCodePoints(0, n));
    }

    /** Any Unicode scalar value except NUL (PostgreSQL text cannot hold it) and the surrogates (not characters). */
    int anyScalarValue() {
        int cp;
        do {
            cp = (int) between(1, 0x10FFFF);
        } while (cp >= 0xD800 && cp <= 0xDFFF);
        return cp;
    }

    String nullableText(int maxCodePoints) {
        return orNull(text(maxCodePoints));
    }

    /** A JSON object holding {@code text} as a string (audit details): valid JSON on both engines' checks. */
    static String json(String text, long number) {
        StringBuilder sb = new StringBuilder("{\"note\":\"");
        text.codePoints().forEach(cp -> {
            if (cp == '"' || cp == '\\') {
                sb.append('\\').append((char) cp);
            } else if (cp < 0x20) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.append("\",\"n\":").append(number).append('}').toString();
    }
}
