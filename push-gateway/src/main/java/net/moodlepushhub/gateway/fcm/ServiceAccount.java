package net.moodlepushhub.gateway.fcm;

import com.nimbusds.jose.util.JSONObjectUtils;
import net.moodlepushhub.gateway.provider.ProviderConfigurationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;

/**
 * The fields of a Google service-account key file ({@code type: service_account}) that FCM needs.
 *
 * @param clientEmail  {@code client_email}: the JWT issuer
 * @param privateKey   {@code private_key}: RSA key (PKCS#8 PEM in the file)
 * @param privateKeyId {@code private_key_id}: sent as the JWT {@code kid}, may be null
 * @param tokenUri     {@code token_uri}: the OAuth2 token endpoint and JWT audience
 * @param projectId    {@code project_id}: the Firebase project
 */
public record ServiceAccount(String clientEmail, RSAPrivateKey privateKey, String privateKeyId, String tokenUri,
                             String projectId) {

    /** Google's token endpoint, used when the file has no {@code token_uri}. */
    public static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

    /** Checks the mandatory fields. */
    public ServiceAccount {
        Objects.requireNonNull(clientEmail, "client_email");
        Objects.requireNonNull(privateKey, "private_key");
        Objects.requireNonNull(tokenUri, "token_uri");
        Objects.requireNonNull(projectId, "project_id");
    }

    /**
     * @param json the key file's contents
     * @return the parsed account
     * @throws ProviderConfigurationException when fields are missing or the key is unreadable
     */
    public static ServiceAccount parse(String json) {
        final Map<String, Object> m;
        try {
            m = JSONObjectUtils.parse(json);
        } catch (java.text.ParseException | RuntimeException e) {
            throw new ProviderConfigurationException("Service-account JSON is not valid JSON", e);
        }
        String email = string(m, "client_email", true);
        String pem = string(m, "private_key", true);
        String keyId = string(m, "private_key_id", false);
        String tokenUri = string(m, "token_uri", false);
        String project = string(m, "project_id", true);
        return new ServiceAccount(email, parsePkcs8Rsa(pem), keyId, tokenUri != null ? tokenUri : DEFAULT_TOKEN_URI,
                project);
    }

    /**
     * @param file path of the key file
     * @return the parsed account
     * @throws ProviderConfigurationException when unreadable or invalid
     */
    public static ServiceAccount read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ProviderConfigurationException("Cannot read service-account file " + file, e);
        }
    }

    /**
     * @param tokenUri replacement token endpoint (tests)
     * @return a copy with another token endpoint
     */
    public ServiceAccount withTokenUri(String tokenUri) {
        return new ServiceAccount(clientEmail, privateKey, privateKeyId, tokenUri, projectId);
    }

    private static String string(Map<String, Object> m, String key, boolean required) {
        Object v = m.get(key);
        if (v instanceof String && !((String) v).isBlank()) {
            return (String) v;
        }
        if (required) {
            throw new ProviderConfigurationException("Service-account JSON lacks " + key);
        }
        return null;
    }

    /**
     * @param pem a {@code -----BEGIN PRIVATE KEY-----} PEM block
     * @return the RSA key
     * @throws ProviderConfigurationException when not a PKCS#8 RSA key
     */
    static RSAPrivateKey parsePkcs8Rsa(String pem) {
        String b64 = pem.replace("-----BEGIN PRIVATE KEY-----", "")
                .replace("-----END PRIVATE KEY-----", "")
                .replaceAll("\\s+", "");
        try {
            byte[] der = Base64.getDecoder().decode(b64);
            return (RSAPrivateKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new ProviderConfigurationException("private_key is not a PKCS#8 RSA key", e);
        }
    }

    @Override
    public String toString() {
        return "ServiceAccount[" + clientEmail + ", project " + projectId + "]"; // never print the key
    }
}
