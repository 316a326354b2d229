package net.moodlepushhub.hub.moodle;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhpFormTest {

    @Test
    void readsWhatHttpBuildQueryAndMoodleUrlProduce() throws Exception {
        Map<String, Object> form = PhpForm.parse("wstoken=abc&wsfunction=hub_update_site_info&siteinfo%5Bname%5D=My+site"
                + "&siteinfo%5Bdescription%5D=a%20b%26c&url%5B0%5D=https%3A%2F%2Fx.example&url%5B%5D=y&emailalertemail&empty=", 100);
        assertThat(form.get("wstoken")).isEqualTo("abc");
        assertThat((Map<String, String>) form.get("siteinfo")).containsExactly(Map.entry("name", "My site"), Map.entry("description", "a b&c"));
        assertThat((Map<String, String>) form.get("url")).containsExactly(Map.entry("0", "https://x.example"), Map.entry("1", "y"));
        assertThat(form.get("emailalertemail")).isEqualTo("");
        assertThat(form.get("empty")).isEqualTo("");
    }

    @Test
    void refusesWhatMoodleNeverSends() {
        for (String bad : new String[]{"a%5Bb%5D%5Bc%5D=1", "a%5Bb=1", "a%5D=1", "%5Bx%5D=1", "a=1&a%5Bx%5D=2", "a%5Bx%5D=2&a=1", "a=%zz", "=1"}) {
            assertThatThrownBy(() -> PhpForm.parse(bad, 100)).as(bad).isInstanceOf(PhpForm.MalformedException.class);
        }
        assertThatThrownBy(() -> PhpForm.parse("a=" + "x".repeat(101), 100)).isInstanceOf(PhpForm.MalformedException.class);
        assertThatThrownBy(() -> PhpForm.parse("a=1&".repeat(PhpForm.MAX_FIELDS + 1), 100)).isInstanceOf(PhpForm.MalformedException.class);
    }
}
