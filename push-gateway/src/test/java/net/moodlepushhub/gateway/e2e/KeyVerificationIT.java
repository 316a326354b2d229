package net.moodlepushhub.gateway.e2e;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.HttpJson.Answer;
import net.moodlepushhub.testsupport.TestStack.RegisteredSite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's verification of the hub's keys: the issuer taken from the hub's metadata (not from the address
 * the gateway reaches it by), scopes, forged and tampered keys refused and counted by reason, and a rotated key
 * refused within a second.
 */
class KeyVerificationIT extends GatewayStackTest {

    static RegisteredSite siteA;

    @BeforeAll
    static void sites() {
        siteA = register();
    }

    @Test
    @SuppressWarnings("unchecked")
    void keysAreAcceptedWhenTheGatewayReachesTheHubByAnotherUrlThanItsPublicOne() throws Exception {
        Answer v1 = gateway.send("GET", "api/v1/deliveries", null, siteA.siteKey());
        assertThat(v1.status()).as(v1.toString()).isEqualTo(200);
        Answer legacy = moodle("POST", "tokens/" + apns.registerDeviceToken(), siteA.moodleKey(), Map.of("device", "ios"), null);
        assertThat(legacy.status()).as(legacy.toString()).isEqualTo(200);

        String publicUrl = GatewayStackExtension.HUB_PUBLIC_URL;
        Answer metadata = hub.send("GET", ".well-known/moodle-push-hub", null, null);
        assertThat(metadata.status()).as(metadata.toString()).isEqualTo(200);
        assertThat(metadata.get("issuer")).isEqualTo(publicUrl);
        assertThat(metadata.get("jwks_uri")).isEqualTo(publicUrl + "/.well-known/jwks.json");
        assertThat(metadata.get("revocation_feed_endpoint")).isEqualTo(publicUrl + "/api/v1/revocations");
        assertThat(metadata.get("audience")).isEqualTo("moodle-push-gateway");
        assertThat(SignedJWT.parse(siteA.siteKey()).getJWTClaimsSet().getIssuer()).isEqualTo(publicUrl)
                .isNotEqualTo(stack.hubProcess().baseUrl());

        // The operator sees which issuer the gateway expects, and from where.
        Answer health = new HttpJson(serverRoot()).send("GET", "health", null, null);
        Map<String, Object> keysCheck = ((List<Map<String, Object>>) health.json().get("checks")).stream()
                .filter(c -> "access-keys".equals(c.get("name"))).findFirst().orElseThrow(() -> new AssertionError(health.toString()));
        Map<String, Object> data = (Map<String, Object>) keysCheck.get("data");
        assertThat(data).as(health.toString()).containsEntry("issuer", publicUrl);
        assertThat((String) data.get("issuerSource")).contains("/.well-known/moodle-push-hub");
    }

    @Test
    void aDeviceKeyCannotSend() {
        String token = confirmedApnsToken(siteA);
        Answer answer = send(siteA.deviceKey(), List.of(token), "device key sends");
        assertProblem(answer, 403, "insufficient-scope");
        assertProblem(gateway.send("POST", "api/v1/broadcasts", json(Map.of("alert", "x")), siteA.deviceKey()), 403, "insufficient-scope");
        Answer legacy = moodle("POST", "api/v2/push/", siteA.deviceKey(), null,
                JSONObjectUtils.toJSONString(Map.of("device", "ios", "token", token, "extra", Map.of("smallmessage", "x"))), null);
        assertProblem(legacy, 403, "insufficient-scope");
    }

    @Test
    @SuppressWarnings("unchecked")
    void forgedAndTamperedKeysAreRefused() throws Exception {
        SignedJWT real = SignedJWT.parse(siteA.siteKey());
        JWTClaimsSet claims = real.getJWTClaimsSet();
        String kid = real.getHeader().getKeyID();

        // alg: none
        String none = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"mph-site+jwt\",\"kid\":\"" + kid + "\"}").toString()
                + "." + real.getParsedParts()[1] + ".";
        assertInvalidKey(none, "alg none");

        // HS256 keyed with the hub's public key (the classic algorithm-confusion attack), in several encodings.
        Map<String, Object> jwks = JSONObjectUtils.parse(hub.send("GET", ".well-known/jwks.json", null, null).body());
        ECKey hubPublic = ECKey.parse(JSONObjectUtils.toJSONString(((List<Map<String, Object>>) jwks.get("keys")).get(0)));
        List<byte[]> secrets = List.of(hubPublic.toJSONString().getBytes(StandardCharsets.UTF_8), hubPublic.toECPublicKey().getEncoded(),
                pad32(hubPublic.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8)));
        for (byte[] secret : secrets) {
            SignedJWT hs = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).type(new JOSEObjectType("mph-site+jwt")).keyID(kid).build(), claims);
            hs.sign(new MACSigner(pad32(secret)));
            assertInvalidKey(hs.serialize(), "HS256 with the public key");
        }

        // A key pair of our own, announced with the hub's kid.
        ECKey forger = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        assertInvalidKey(sign(forger, "mph-site+jwt", claims), "forged signature");

        // The typ header swapped on a real device key: the signature no longer matches.
        SignedJWT device = SignedJWT.parse(siteA.deviceKey());
        String swappedHeader = Base64URL.encode(JSONObjectUtils.toJSONString(withTyp(device.getHeader().toJSONObject(), "mph-site+jwt"))).toString();
        assertInvalidKey(swappedHeader + "." + device.getParsedParts()[1] + "." + device.getParsedParts()[2], "typ swapped");

        // Keys signed with the hub's real private key (read from its database), each wrong in one way.
        // Stored encrypted: read through the same decryption the hub uses, with the KEK the hub was given.
        ECKey hubKey = hubSigningKey(kid);
        Instant now = Instant.now();
        // Control: a correct key made this way is accepted, so the refusals below are due to the one change.
        String control = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString()).build());
        assertThat(gateway.send("GET", "api/v1/deliveries", null, control).status()).isEqualTo(200);

        Answer expired = gateway.send("GET", "api/v1/deliveries", null, sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims)
                .issueTime(Date.from(now.minusSeconds(7200))).notBeforeTime(Date.from(now.minusSeconds(7200)))
                .expirationTime(Date.from(now.minusSeconds(3600))).build()));
        assertProblem(expired, 401, "invalid-key");
        assertThat(expired.get("reason")).isEqualTo("expired");
        assertInvalidKey(sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).audience("another-gateway").build()), "wrong aud");
        assertInvalidKey(sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).issuer("http://evil.test").build()), "wrong iss");
        // A device key's claims with the site typ, validly signed: its scope is not a site key's.
        assertInvalidKey(sign(hubKey, "mph-site+jwt", device.getJWTClaimsSet()), "device claims as a site key");
        // A site key's claims with the device typ: a device key may not claim send.
        assertInvalidKey(sign(hubKey, "mph-device+jwt", claims), "site claims as a device key");
        // Moodle's form of a forged key is refused the same way.
        assertThat(moodle("POST", "tokens/testtoken", Base64.getUrlEncoder().withoutPadding().encodeToString(
                sign(forger, "mph-site+jwt", claims).getBytes(StandardCharsets.US_ASCII)), null, "", null).get("error")).isEqualTo("Invalid access key");
    }

    @Test
    void refusalsAreCountedInMetricsByReason() throws Exception {
        Map<String, Double> before = refusalCounts();
        SignedJWT real = SignedJWT.parse(siteA.siteKey());
        JWTClaimsSet claims = real.getJWTClaimsSet();
        ECKey unknownKid = new ECKeyGenerator(Curve.P_256).keyID("not-the-hubs").generate();
        ECKey forger = new ECKeyGenerator(Curve.P_256).keyID(real.getHeader().getKeyID()).generate();
        ECKey hubKey = hubSigningKey(real.getHeader().getKeyID());
        Instant now = Instant.now();
        String expired = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .issueTime(Date.from(now.minusSeconds(7200))).notBeforeTime(Date.from(now.minusSeconds(7200)))
                .expirationTime(Date.from(now.minusSeconds(3600))).build());
        String wrongIssuer = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .issuer(stack.hubProcess().baseUrl()).build());
        String wrongAudience = sign(hubKey, "mph-site+jwt", new JWTClaimsSet.Builder(claims).jwtID(UUID.randomUUID().toString())
                .audience("another-gateway").build());
        Map<String, String> keys = Map.of(
                "unknown-kid", sign(unknownKid, "mph-site+jwt", claims),
                "bad-signature", sign(forger, "mph-site+jwt", claims),
                "expired", expired,
                "wrong-issuer", wrongIssuer,
                "wrong-audience", wrongAudience,
                "wrong-type", sign(hubKey, "JWT", claims));
        for (Map.Entry<String, String> k : keys.entrySet()) {
            for (int i = 0; i < 3; i++) {
                Answer a = gateway.send("GET", "api/v1/deliveries", null, k.getValue());
                assertProblem(a, 401, "invalid-key");
                assertThat(a.get("reason")).as(k.getKey() + ": " + a).isEqualTo(k.getKey());
            }
        }
        Map<String, Double> after = refusalCounts();
        for (String reason : keys.keySet()) {
            assertThat(after.getOrDefault(reason, 0.0) - before.getOrDefault(reason, 0.0)).as("refusals counted for " + reason).isEqualTo(3.0);
        }
    }

    @Test
    void aRotatedKeyIsRefusedWithinOneSecond() throws Exception {
        RegisteredSite c = register();
        assertThat(gateway.send("GET", "api/v1/deliveries", null, c.siteKey()).status()).isEqualTo(200);

        Answer rotated = hub.send("POST", "api/v1/sites/" + c.id() + "/keys", null, c.managementToken());
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        long start = System.nanoTime();
        Answer[] refused = new Answer[1];
        await("the old key refused within 1 s of the rotation").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    refused[0] = gateway.send("GET", "api/v1/deliveries", null, c.siteKey());
                    return refused[0].status() == 401;
                });
        System.out.println("[KeyVerificationIT] revoked site key refused by the gateway " + Duration.ofNanos(System.nanoTime() - start).toMillis()
                + " ms after the hub's rotation answered");
        assertProblem(refused[0], 401, "invalid-key");
        assertThat(refused[0].get("reason")).isEqualTo("revoked");
        assertThat(gateway.send("GET", "api/v1/deliveries", null, rotated.get("siteKey")).status()).isEqualTo(200);
        // The Moodle form of the old key is refused too, with Moodle's error.
        assertThat(moodle("POST", "tokens/testtoken", c.moodleKey(), null, "", null).get("error")).isEqualTo("Invalid access key");
    }

    /** The gateway's refusal counter by reason, from its MicroProfile Metrics endpoint (Prometheus text). */
    static Map<String, Double> refusalCounts() {
        // MicroProfile Metrics 5 speaks Prometheus text only.
        Answer metrics = gateway.exchange(HttpRequest.newBuilder(URI.create(serverRoot() + "metrics")).header("Accept", "text/plain").GET().build());
        assertThat(metrics.status()).as(metrics.toString()).isEqualTo(200);
        Map<String, Double> counts = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^gateway_keys_refused_total\\{[^}]*reason=\"([^\"]+)\"[^}]*\\}\\s+(\\S+)").matcher(metrics.body());
        while (m.find()) {
            counts.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return counts;
    }

    static Map<String, Object> withTyp(Map<String, Object> header, String typ) {
        Map<String, Object> copy = new LinkedHashMap<>(header);
        copy.put("typ", typ);
        return copy;
    }

    static byte[] pad32(byte[] secret) {
        return secret.length >= 32 ? secret : Arrays.copyOf(secret, 32);
    }
}
