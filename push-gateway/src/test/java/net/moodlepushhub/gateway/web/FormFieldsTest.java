package net.moodlepushhub.gateway.web;

import jakarta.ws.rs.core.MediaType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FormFieldsTest {

    @Test
    void readsMultipartTextFieldsAsPhpCurlSendsThem() {
        String boundary = "------------------------d74496d66958873e";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttps://moodle.example.org\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nÉcole\r\nligne 2\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile\r\n"
                + "--" + boundary + "--\r\n";
        Map<String, String> fields = FormFields.parse(new MediaType("multipart", "form-data", Map.of("boundary", boundary)),
                body.getBytes(StandardCharsets.UTF_8));
        assertThat(fields).containsEntry("url", "https://moodle.example.org").containsEntry("description", "École\r\nligne 2")
                .doesNotContainKey("f");
    }

    @Test
    void readsUrlEncodedFields() {
        assertThat(FormFields.parse(MediaType.APPLICATION_FORM_URLENCODED_TYPE, "device=iOS-fcm&x=a%20b".getBytes(StandardCharsets.US_ASCII)))
                .containsEntry("device", "iOS-fcm").containsEntry("x", "a b");
    }

    @Test
    void anEmptyOrUntypedBodyHasNoFields() {
        assertThat(FormFields.parse(null, new byte[0])).isEmpty();
        assertThat(FormFields.parse(MediaType.APPLICATION_JSON_TYPE, "{}".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }
}
