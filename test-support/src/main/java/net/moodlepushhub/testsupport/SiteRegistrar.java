package net.moodlepushhub.testsupport;

import com.nimbusds.jose.util.JSONObjectUtils;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Registers a site on a running hub the way a site admin does: {@code POST /api/v1/sites}, serve the
 * challenge from the stand-in site, {@code POST .../verification}. Shared by every test and benchmark that
 * needs real keys.
 */
public final class SiteRegistrar {

    private SiteRegistrar() {
    }

    /**
     * @param hub  the hub's API
     * @param site the stand-in site that will serve the challenge
     * @param url  the site URL to register (on the stand-in site)
     * @return the creation answer (201 expected; not checked)
     */
    public static HttpJson.Answer register(HttpJson hub, StandInSite site, String url) {
        return register(hub, url, Map.of());
    }

    /**
     * @param hub    the hub's API
     * @param url    the site URL
     * @param extras extra or overriding registration members (users, moodleSiteId, ...)
     * @return the creation answer (not checked)
     */
    public static HttpJson.Answer register(HttpJson hub, String url, Map<String, Object> extras) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        body.put("name", "Test site");
        body.put("contactEmail", "admin@example.org");
        body.put("users", 100);
        body.put("activeUsers", 10);
        body.putAll(extras);
        return hub.send("POST", "api/v1/sites", JSONObjectUtils.toJSONString(body), null);
    }

    /**
     * Registers, serves the challenge and verifies.
     *
     * @param hub    the hub's API
     * @param site   the stand-in site
     * @param url    the site URL (on the stand-in site)
     * @param extras extra registration members
     * @return the verification answer's JSON: siteId, siteKey, deviceKey, moodleAccessKey, managementToken
     * @throws AssertionError when either step does not succeed
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> registerAndVerify(HttpJson hub, StandInSite site, String url, Map<String, Object> extras) {
        HttpJson.Answer created = register(hub, url, extras);
        if (created.status() != 201) {
            throw new AssertionError("registration failed: " + created);
        }
        Map<String, Object> challenge = (Map<String, Object>) created.json().get("challenge");
        site.serve(URI.create((String) challenge.get("url")).getPath(), (String) challenge.get("content"));
        HttpJson.Answer verified = hub.send("POST", "api/v1/sites/" + created.get("siteId") + "/verification", null, null);
        if (verified.status() != 200) {
            throw new AssertionError("verification failed: " + verified);
        }
        return verified.json();
    }
}
