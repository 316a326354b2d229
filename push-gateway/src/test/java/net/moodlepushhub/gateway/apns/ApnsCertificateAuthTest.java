package net.moodlepushhub.gateway.apns;

import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.PushMessage;
import net.moodlepushhub.gateway.provider.SendOutcome;
import net.moodlepushhub.testsupport.MockApnsFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * APNs client-certificate (PKCS#12) authentication, tested as {@link ApnsProviderTest} tests token
 * authentication: against Pushy's MockApnsServer over TLS and HTTP/2, which here requires the client certificate
 * it trusts and takes the allowed topic from the certificate's UID, as APNs does.
 */
class ApnsCertificateAuthTest {

    private static MockApnsFixture apns;

    @BeforeAll
    static void start() {
        apns = MockApnsFixture.startWithClientCertificate();
    }

    @AfterAll
    static void stop() {
        if (apns != null) {
            apns.close();
        }
    }

    private static ApnsProvider providerWith(byte[] pkcs12, String topic) {
        return ApnsProvider.builder()
                .server(apns.host(), apns.port())
                .trustedServerCertificates(apns.serverCertificate())
                .clientCertificate(pkcs12, MockApnsFixture.CLIENT_CERTIFICATE_PASSWORD)
                .topic(topic)
                .concurrentConnections(1)
                .connectionTimeout(Duration.ofSeconds(2))
                .build();
    }

    private static SendOutcome send(ApnsProvider p, String key, String token) throws Exception {
        return p.send(PushMessage.builder(key, token, Platform.APNS).alert("hi").build()).get(30, TimeUnit.SECONDS);
    }

    @Test
    void aNotificationSentWithTheTrustedCertificateIsDeliveredWithoutAnAuthorizationToken() throws Exception {
        String token = apns.registerDeviceToken();
        try (ApnsProvider p = providerWith(apns.clientCertificatePkcs12(), apns.topic())) {
            SendOutcome outcome = send(p, "cert-1:0", token);
            assertThat(outcome).isEqualTo(new SendOutcome.Delivered(ApnsProvider.apnsIdFor("cert-1:0").toString()));
        }
        MockApnsFixture.Received received = apns.accepted().stream().filter(r -> r.deviceToken().equals(token)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing accepted for " + token));
        assertThat(received.headers()).containsEntry("apns-topic", apns.topic()).doesNotContainKey("authorization");
    }

    @Test
    void aTopicOtherThanTheCertificatesIsRefused() throws Exception {
        // A device of the other app: only the certificate's topic stands between the notification and the device.
        String other = "org.example.another-app";
        String token = MockApnsFixture.randomToken();
        apns.registerDeviceToken(other, token);
        try (ApnsProvider p = providerWith(apns.clientCertificatePkcs12(), other)) {
            SendOutcome outcome = send(p, "cert-2:0", token);
            // What APNs (and Pushy's mock) answers for a topic the certificate does not cover: 400 BadTopic, no retry.
            assertThat(outcome).isEqualTo(new SendOutcome.Failed("BadTopic"));
        }
        assertThat(apns.accepted()).noneMatch(r -> r.deviceToken().equals(token));
    }

    @Test
    void aCertificateTheServerDoesNotTrustNeverConnects() throws Exception {
        String token = apns.registerDeviceToken();
        try (ApnsProvider p = providerWith(MockApnsFixture.untrustedClientCertificatePkcs12(apns.topic()), apns.topic())) {
            SendOutcome outcome = send(p, "cert-3:0", token);
            assertThat(outcome).isInstanceOf(SendOutcome.Retryable.class);
            assertThat(((SendOutcome.Retryable) outcome).reason()).startsWith("io:");
            assertThat(p.inFlight()).isZero();
        }
        assertThat(apns.received()).noneMatch(r -> r.deviceToken().equals(token));
    }
}
