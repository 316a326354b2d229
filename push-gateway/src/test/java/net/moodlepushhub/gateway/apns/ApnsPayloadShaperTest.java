package net.moodlepushhub.gateway.apns;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.TextFitting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ApnsPayloadShaperTest {

    private final ApnsPayloadShaper shaper = new ApnsPayloadShaper();

    private static PushMessage.Builder msg() {
        return PushMessage.builder("k", "00", Platform.APNS);
    }

    @SuppressWarnings("unchecked")
    private static String body(String json) throws Exception {
        Map<String, Object> aps = (Map<String, Object>) JSONObjectUtils.parse(json).get("aps");
        return (String) ((Map<String, Object>) aps.get("alert")).get("body");
    }

    @Test
    void smallPayloadIsUntouched() throws Exception {
        ApnsPayloadShaper.Shaped s = shaper.shape(msg().alert("Hi \"you\"").title("T").jsonExtra("{\"site\":\"x\"}").build()).orElseThrow();
        assertThat(s.shortened()).isFalse();
        assertThat(body(s.json())).isEqualTo("Hi \"you\"");
        assertThat(JSONObjectUtils.parse(s.json())).containsEntry("site", "x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"😀", "漢", "é", "a", "👩‍👩‍👧", "\"", "\\"})
    void multibyteAlertNearTheLimitIsCutOnCodePointsAndFitsExactly(String unit) throws Exception {
        // extra sized so that the payload lands at every offset around the limit
        for (int pad = 0; pad < 8; pad++) {
            String extra = "{\"site\":\"" + "s".repeat(3000 + pad) + "\"}";
            String alert = unit.repeat(1500);
            ApnsPayloadShaper.Shaped s = shaper.shape(msg().alert(alert).title("Title").jsonExtra(extra).build())
                    .orElseThrow();
            byte[] bytes = s.json().getBytes(StandardCharsets.UTF_8);
            assertThat(bytes.length).isLessThanOrEqualTo(ApnsPayloadShaper.MAX_PAYLOAD_BYTES);
            assertThat(s.sizeInBytes()).isEqualTo(bytes.length);
            assertThat(s.shortened()).isTrue();
            String b = body(s.json());
            assertThat(b).endsWith(TextFitting.ELLIPSIS);
            String prefix = b.substring(0, b.length() - 1);
            assertThat(alert).startsWith(prefix);
            assertThat(prefix.codePoints().allMatch(cp -> Character.isValidCodePoint(cp)
                    && !(cp >= 0xD800 && cp <= 0xDFFF))).isTrue();
            // extra intact
            assertThat(JSONObjectUtils.parse(s.json())).containsEntry("site", "s".repeat(3000 + pad));
            // maximal: one more code point would overflow
            int cps = prefix.codePointCount(0, prefix.length());
            String longer = alert.substring(0, alert.offsetByCodePoints(0, cps + 1)) + TextFitting.ELLIPSIS;
            Optional<ApnsPayloadShaper.Shaped> bigger = new ApnsPayloadShaper(null, 100_000, null)
                    .shape(msg().alert(longer).title("Title").jsonExtra(extra).build());
            assertThat(bigger.orElseThrow().sizeInBytes()).isGreaterThan(ApnsPayloadShaper.MAX_PAYLOAD_BYTES);
        }
    }

    @Test
    void titleIsShortenedWhenBodyAloneCannotMakeItFit() throws Exception {
        String extra = "{\"site\":\"" + "s".repeat(3900) + "\"}";
        ApnsPayloadShaper.Shaped s = shaper.shape(msg().alert("body").title("タイトル".repeat(100)).jsonExtra(extra).build())
                .orElseThrow();
        assertThat(s.sizeInBytes()).isLessThanOrEqualTo(4096);
        @SuppressWarnings("unchecked")
        Map<String, Object> alert = (Map<String, Object>) ((Map<String, Object>) JSONObjectUtils.parse(s.json()).get("aps")).get("alert");
        assertThat((String) alert.get("title")).endsWith(TextFitting.ELLIPSIS);
    }

    @Test
    void extraTooLargeForAnyAlertGivesEmpty() {
        String extra = "{\"site\":\"" + "s".repeat(4090) + "\"}";
        assertThat(shaper.shape(msg().alert("x").title("y").jsonExtra(extra).build())).isEmpty();
        assertThat(shaper.shape(msg().jsonExtra(extra).build())).isEmpty();
    }

    @Test
    void extraCanBeNestedAndApsIsProtected() throws Exception {
        ApnsPayloadShaper nested = new ApnsPayloadShaper("extra", 4096, null);
        Map<String, Object> p = JSONObjectUtils.parse(nested.shape(msg().alert("a").jsonExtra("{\"aps\":1,\"x\":\"y\"}").build())
                .orElseThrow().json());
        assertThat(JSONObjectUtils.getJSONObject(p, "extra")).containsEntry("x", "y");
        Map<String, Object> merged = JSONObjectUtils.parse(shaper.shape(msg().alert("a").jsonExtra("{\"aps\":1,\"x\":\"y\"}").build())
                .orElseThrow().json());
        assertThat(merged.get("aps")).isInstanceOf(Map.class);
        assertThat(merged).containsEntry("x", "y");
    }

    @Test
    void encryptedPlaceholderMakesAnAlertPush() throws Exception {
        ApnsPayloadShaper withPlaceholder = new ApnsPayloadShaper(null, 4096, "New message");
        ApnsPayloadShaper.Shaped s = withPlaceholder.shape(msg().jsonExtra("{\"encrypted\":true}").build()).orElseThrow();
        assertThat(s.background()).isFalse();
        assertThat(body(s.json())).isEqualTo("New message");
        assertThat(JSONObjectUtils.getJSONObject(JSONObjectUtils.parse(s.json()), "aps")).containsEntry("mutable-content", 1L);
        assertThat(shaper.shape(msg().jsonExtra("{}").build()).orElseThrow().background()).isTrue();
    }
}
