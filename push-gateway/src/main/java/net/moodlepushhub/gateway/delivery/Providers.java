package net.moodlepushhub.gateway.delivery;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.gateway.apns.ApnsProvider;
import net.moodlepushhub.gateway.fcm.FcmProvider;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.provider.PushProvider;
import net.moodlepushhub.gateway.provider.SandboxProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The push services the gateway delivers to, built from configuration: APNs through Pushy (token or
 * certificate authentication) and FCM HTTP v1. A platform without credentials runs in <b>sandbox mode</b>:
 * deliveries are recorded, not sent, and the start-up log and {@code /health} say so loudly.
 */
@ApplicationScoped
public class Providers {

    private static final Logger LOG = Logger.getLogger(Providers.class.getName());

    @Inject
    @ConfigProperty(name = "gateway.apns.topic")
    Optional<String> apnsTopic;

    @Inject
    @ConfigProperty(name = "gateway.apns.key-file")
    Optional<String> apnsKeyFile;

    @Inject
    @ConfigProperty(name = "gateway.apns.team-id")
    Optional<String> apnsTeamId;

    @Inject
    @ConfigProperty(name = "gateway.apns.key-id")
    Optional<String> apnsKeyId;

    @Inject
    @ConfigProperty(name = "gateway.apns.cert-file")
    Optional<String> apnsCertFile;

    @Inject
    @ConfigProperty(name = "gateway.apns.cert-password")
    Optional<String> apnsCertPassword;

    @Inject
    @ConfigProperty(name = "gateway.apns.environment", defaultValue = "production")
    String apnsEnvironment;

    @Inject
    @ConfigProperty(name = "gateway.apns.server")
    Optional<String> apnsServer;

    @Inject
    @ConfigProperty(name = "gateway.apns.trust-cert-file")
    Optional<String> apnsTrustCertFile;

    @Inject
    @ConfigProperty(name = "gateway.apns.max-in-flight", defaultValue = "2000")
    int apnsMaxInFlight;

    @Inject
    @ConfigProperty(name = "gateway.fcm.max-in-flight", defaultValue = "1000")
    int fcmMaxInFlight;

    @Inject
    @ConfigProperty(name = "gateway.apns.connections", defaultValue = "2")
    int apnsConnections;

    @Inject
    @ConfigProperty(name = "gateway.apns.event-loop-threads")
    Optional<Integer> apnsEventLoopThreads;

    @Inject
    @ConfigProperty(name = "gateway.apns.encrypted-alert", defaultValue = "You have a new notification")
    String apnsEncryptedAlert;

    @Inject
    @ConfigProperty(name = "gateway.fcm.service-account-file")
    Optional<String> fcmServiceAccountFile;

    @Inject
    @ConfigProperty(name = "gateway.fcm.base-url")
    Optional<String> fcmBaseUrl;

    @Inject
    @ConfigProperty(name = "gateway.fcm.token-uri")
    Optional<String> fcmTokenUri;

    private final Map<Platform, PushProvider> providers = new EnumMap<>(Platform.class);

    @PostConstruct
    void start() {
        providers.put(Platform.APNS, apns());
        providers.put(Platform.FCM, fcm());
        for (Platform p : Platform.values()) {
            if (isSandbox(p)) {
                LOG.warning(() -> "*** SANDBOX MODE for " + p + ": no credentials configured; deliveries are recorded, NOT sent ***");
            }
        }
    }

    @PreDestroy
    void stop() {
        providers.values().forEach(PushProvider::close);
    }

    /**
     * @param platform a platform
     * @return its provider
     */
    public PushProvider get(Platform platform) {
        return providers.get(platform);
    }

    /**
     * @param platform a platform
     * @return how many of its sends may await the push service's answer at once
     */
    public int maxInFlight(Platform platform) {
        return Math.max(1, platform == Platform.APNS ? apnsMaxInFlight : fcmMaxInFlight);
    }

    /**
     * @param platform a platform
     * @return true when it only records deliveries
     */
    public boolean isSandbox(Platform platform) {
        return providers.get(platform) instanceof SandboxProvider;
    }

    private PushProvider apns() {
        boolean token = apnsKeyFile.isPresent();
        boolean cert = apnsCertFile.isPresent();
        if (!token && !cert) {
            return new SandboxProvider(Platform.APNS, 10_000);
        }
        ApnsProvider.Builder b = ApnsProvider.builder()
                .topic(apnsTopic.orElseThrow(() -> new IllegalStateException("gateway.apns.topic (the app's bundle id) is required")))
                // The delivery engine owns the bound on sends in flight (maxInFlight(Platform)); one bound, not two.
                .maxInFlight(Integer.MAX_VALUE)
                .concurrentConnections(apnsConnections)
                // One event loop per connection, up to the cores: Pushy's default runs every connection's TLS and
                // HTTP/2 work on one thread.
                .eventLoopThreads(Math.max(0, apnsEventLoopThreads.orElse(Math.min(apnsConnections, Runtime.getRuntime().availableProcessors()))))
                .encryptedAlertPlaceholder(apnsEncryptedAlert);
        if (token) {
            b.tokenAuth(Path.of(apnsKeyFile.get()),
                    apnsTeamId.orElseThrow(() -> new IllegalStateException("gateway.apns.team-id is required with a .p8 key")),
                    apnsKeyId.orElseThrow(() -> new IllegalStateException("gateway.apns.key-id is required with a .p8 key")));
        } else {
            b.clientCertificate(Path.of(apnsCertFile.get()), apnsCertPassword.orElse(""));
        }
        if (apnsServer.isPresent()) {
            String[] hostPort = apnsServer.get().split(":");
            b.server(hostPort[0], Integer.parseInt(hostPort[1]));
        } else if ("development".equalsIgnoreCase(apnsEnvironment)) {
            b.development();
        } else {
            b.production();
        }
        apnsTrustCertFile.ifPresent(file -> b.trustedServerCertificates(readCertificate(file)));
        LOG.info(() -> "APNs: " + (token ? "token" : "certificate") + " authentication, topic " + apnsTopic.get()
                + ", server " + apnsServer.orElse(apnsEnvironment));
        return b.build();
    }

    private PushProvider fcm() {
        if (fcmServiceAccountFile.isEmpty()) {
            return new SandboxProvider(Platform.FCM, 10_000);
        }
        FcmProvider.Builder b = FcmProvider.builder().serviceAccountFile(Path.of(fcmServiceAccountFile.get()));
        fcmBaseUrl.ifPresent(b::baseUrl);
        fcmTokenUri.ifPresent(b::tokenUri);
        LOG.info(() -> "FCM: service account " + fcmServiceAccountFile.get() + fcmBaseUrl.map(u -> ", base URL " + u).orElse(""));
        return b.build();
    }

    private static X509Certificate readCertificate(String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read gateway.apns.trust-cert-file " + file, e);
        }
    }
}
