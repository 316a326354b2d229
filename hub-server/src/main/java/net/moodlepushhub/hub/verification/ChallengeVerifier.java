package net.moodlepushhub.hub.verification;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.hub.HubSettings;
import net.moodlepushhub.verifier.SiteVerifier;
import net.moodlepushhub.verifier.VerificationResult;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The hub's configured {@link SiteVerifier}: fetches a challenge URL with the SSRF protections of the
 * {@code site-verifier} library and the limits from {@link HubSettings}; or, for the meta-tag method, the
 * site's front page, looking for the challenge in a {@code <meta>} tag of its {@code <head>}.
 */
@ApplicationScoped
public class ChallengeVerifier {

    /** The name of the meta tag a site adds (Moodle: Site administration › Appearance › Additional HTML › Within HEAD). */
    public static final String META_NAME = "moodle-push-hub-verification";

    /** The most of a front page read for the meta tag; the tag belongs in the head, near the start. */
    static final int MAX_PAGE_BYTES = 256 * 1024;

    @Inject
    HubSettings settings;

    private SiteVerifier verifier;
    private SiteVerifier pageVerifier;

    @PostConstruct
    void start() {
        verifier = builder().build();
        // Moodle's front page may pass through its own redirects (forced login: 303 to /login/index.php, then
        // the theme); a few more hops than a challenge file needs.
        pageVerifier = builder().maxBodyBytes(MAX_PAGE_BYTES).maxRedirects(5).build();
    }

    private SiteVerifier.Builder builder() {
        return SiteVerifier.builder()
                .allowPrivateNetworks(settings.allowPrivateNetworks())
                .allowedPorts(settings.allowedPorts())
                .connectTimeout(settings.verifierConnectTimeout())
                .totalTimeout(settings.verifierTotalTimeout())
                .userAgent("moodle-push-hub-verifier/1 (+" + settings.issuer() + ")");
    }

    /**
     * @param challengeUrl    the URL to fetch
     * @param expectedContent the exact body expected
     * @return what happened
     */
    public VerificationResult verify(String challengeUrl, String expectedContent) {
        return verifier.verify(challengeUrl, expectedContent);
    }

    /**
     * @param siteUrl the site's normalised URL
     * @return the page the meta-tag method fetches: the site's front page
     */
    public static String metaTagPage(String siteUrl) {
        return siteUrl + "/";
    }

    /**
     * @param content the challenge content
     * @return the tag a site adds to its pages' head
     */
    public static String metaTag(String content) {
        return "<meta name=\"" + META_NAME + "\" content=\"" + content + "\">";
    }

    /**
     * Fetches the site's front page and looks for {@code <meta name="moodle-push-hub-verification"
     * content="…">} with the expected content inside {@code <head>}, parsed as HTML5 (a tag in the body does
     * not count).
     *
     * @param siteUrl         the site's normalised URL
     * @param expectedContent the challenge content
     * @return what happened
     */
    public VerificationResult verifyMetaTag(String siteUrl, String expectedContent) {
        URI page;
        try {
            page = new URI(metaTagPage(siteUrl));
        } catch (URISyntaxException e) {
            return verifier.verify(metaTagPage(siteUrl), expectedContent);
        }
        return pageVerifier.verifyPage(page, body -> hasTag(body, expectedContent)
                ? Optional.empty()
                : Optional.of("the page has no <meta name=\"" + META_NAME + "\"> tag with the expected content in its <head>"));
    }

    static boolean hasTag(byte[] body, String expectedContent) {
        Document doc = Jsoup.parse(new String(body, StandardCharsets.UTF_8));
        for (Element meta : doc.head().getElementsByTag("meta")) {
            if (META_NAME.equalsIgnoreCase(meta.attr("name")) && expectedContent.equals(meta.attr("content").strip())) {
                return true;
            }
        }
        return false;
    }
}
