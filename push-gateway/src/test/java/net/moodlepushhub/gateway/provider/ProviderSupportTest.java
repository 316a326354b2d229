package net.moodlepushhub.gateway.provider;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProviderSupportTest {

    @Test
    void platformFromMoodleDevice() {
        assertThat(Platform.forMoodleDevice("ios")).isEqualTo(Platform.APNS);
        assertThat(Platform.forMoodleDevice("iOS-fcm")).isEqualTo(Platform.FCM);
        assertThat(Platform.forMoodleDevice("Android-fcm")).isEqualTo(Platform.FCM);
        assertThat(Platform.forMoodleDevice("android")).isEqualTo(Platform.FCM);
        assertThatThrownBy(() -> Platform.forMoodleDevice("windows")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Platform.forMoodleDevice(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sandboxRecordsBoundedAndDelivers() throws Exception {
        SandboxProvider s = new SandboxProvider(Platform.FCM, 2);
        for (int i = 0; i < 3; i++) {
            SendOutcome o = s.send(PushMessage.builder("k" + i, "t" + i, Platform.FCM).alert("a").build()).get();
            assertThat(o).isEqualTo(new SendOutcome.Delivered("sandbox-fcm-" + (i + 1)));
        }
        assertThat(s.sentCount()).isEqualTo(3);
        assertThat(s.sentMessages()).extracting(PushMessage::token).containsExactly("t1", "t2");
        s.clear();
        assertThat(s.sentMessages()).isEmpty();
    }

    @Test
    void retryAfterParsing() {
        Clock clock = Clock.fixed(Instant.parse("2015-10-21T07:28:00Z"), ZoneOffset.UTC);
        assertThat(RetryAfter.parse("120", clock)).isEqualTo(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:29:30 GMT", clock)).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetryAfter.parse("Wed, 21 Oct 2015 07:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", clock)).isNull();
        assertThat(RetryAfter.parse(null, clock)).isNull();
    }

    @Test
    void fittingCutsOnCodePointBoundaries() {
        String text = "a😀b漢é".repeat(50);
        for (int limit = 0; limit < 400; limit++) {
            final int max = limit;
            String fitted = TextFitting.fit(text, max, c -> c == null ? 0 : c.getBytes(StandardCharsets.UTF_8).length);
            if (fitted == null) {
                assertThat(max).isLessThan(0);
                continue;
            }
            assertThat(fitted.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(max);
            for (int i = 0; i < fitted.length(); i++) {
                char ch = fitted.charAt(i);
                if (Character.isHighSurrogate(ch)) {
                    assertThat(i + 1 < fitted.length() && Character.isLowSurrogate(fitted.charAt(i + 1))).isTrue();
                }
                if (Character.isLowSurrogate(ch)) {
                    assertThat(i > 0 && Character.isHighSurrogate(fitted.charAt(i - 1))).isTrue();
                }
            }
            if (!fitted.isEmpty() && !fitted.equals(text)) {
                assertThat(fitted).endsWith(TextFitting.ELLIPSIS);
                String prefix = fitted.substring(0, fitted.length() - 1);
                assertThat(text).startsWith(prefix);
                // maximal: one more code point would not fit
                int next = text.offsetByCodePoints(0, prefix.codePointCount(0, prefix.length()) + 1);
                String longer = text.substring(0, next) + TextFitting.ELLIPSIS;
                assertThat(longer.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(max);
            }
        }
        assertThat(TextFitting.fit(text, 10_000, c -> c.length())).isSameAs(text);
    }

    @Test
    void fittingReportsImpossibleAsNull() {
        assertThat(TextFitting.fit("hello", 10, c -> 100 + c.length())).isNull();
        assertThat(TextFitting.fit("hello", 100, c -> 100 + c.length())).isEqualTo("");
    }

    @Test
    void extraParsingKeepsOrderAndFlattensLikeAirNotifier() {
        Map<String, Object> extra = MoodleExtra.parse(
                "{\"z\":\"1\",\"a\":true,\"b\":false,\"n\":null,\"i\":42,\"d\":1.5,\"o\":{\"k\":[1,\"x\"]},\"l\":[1,2]}");
        assertThat(extra.keySet()).containsExactly("z", "a", "b", "n", "i", "d", "o", "l");
        Map<String, String> flat = MoodleExtra.flattenToStrings(extra);
        assertThat(flat).containsExactly(Map.entry("z", "1"), Map.entry("a", "1"), Map.entry("b", "0"),
                Map.entry("i", "42"), Map.entry("d", "1.5"), Map.entry("o", "{\"k\":[1,\"x\"]}"),
                Map.entry("l", "[1,2]"));
        assertThat(MoodleExtra.parse(null)).isEmpty();
        assertThatThrownBy(() -> MoodleExtra.parse("[1]")).isInstanceOf(IllegalArgumentException.class);
    }
}
