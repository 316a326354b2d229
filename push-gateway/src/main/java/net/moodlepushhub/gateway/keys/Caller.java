package net.moodlepushhub.gateway.keys;

import net.moodlepushhub.common.keys.AccessKeyKind;

import java.time.Instant;
import java.util.Set;

/**
 * Who is calling, as proved by a verified access key.
 *
 * @param siteId    the site the key belongs to ({@code sub})
 * @param siteUrl   the site's URL ({@code site_url})
 * @param kind      site key or device key ({@code typ})
 * @param scopes    what the key may do ({@code scope})
 * @param jti       the key's id
 * @param expiresAt the key's expiry
 */
public record Caller(String siteId, String siteUrl, AccessKeyKind kind, Set<String> scopes, String jti, Instant expiresAt) {

    /**
     * @param scope a scope name
     * @return true when the key carries it
     */
    public boolean has(String scope) {
        return scopes.contains(scope);
    }
}
