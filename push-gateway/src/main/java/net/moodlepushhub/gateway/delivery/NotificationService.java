package net.moodlepushhub.gateway.delivery;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import net.moodlepushhub.common.problem.CommonProblem;
import net.moodlepushhub.common.problem.Problem;
import net.moodlepushhub.gateway.GatewayProblem;
import net.moodlepushhub.gateway.keys.Caller;
import net.moodlepushhub.gateway.persistence.GatewayDatabase;
import net.moodlepushhub.gateway.provider.Platform;
import net.moodlepushhub.gateway.tokens.DeviceTokens;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Accepts notifications: stores a send with one delivery per recipient, or a broadcast with its audience (its
 * recipients are written by the delivery engine, chunk by chunk), in one transaction before answering, so an
 * accepted notification survives any crash, then wakes the delivery engine. A site reaches
 * only the tokens confirmed for it; any other token is answered "not registered", whoever else holds it.
 */
@ApplicationScoped
public class NotificationService {

    /** Most recipients in one send request. */
    public static final int MAX_RECIPIENTS = 1000;

    @Inject
    GatewayDatabase db;

    @Inject
    NotificationWrites store;

    @Inject
    DeliveryEngine engine;

    @Inject
    net.moodlepushhub.gateway.quota.RateLimiter limiter;

    @Inject
    net.moodlepushhub.gateway.quota.SiteLimits limits;

    @Inject
    net.moodlepushhub.gateway.quota.UserQuota userQuota;

    /** The answer to a send: the notification id (null when no recipient was reachable) and one result per recipient. */
    public record Accepted(String notificationId, int queued, List<RecipientResult> recipients) {
    }

    /**
     * What became of one recipient of a send request.
     *
     * @param token     the token as sent
     * @param status    {@code queued}, {@code not_registered} (not a confirmed token of the site) or {@code duplicate}
     *                  (the same token earlier in the request)
     * @param recipient the recipient's index in the request, for a queued one (its key in the notification's status)
     */
    public record RecipientResult(String token, String status, Integer recipient) {

        static RecipientResult queued(String token, int index) {
            return new RecipientResult(token, "queued", index);
        }

        static RecipientResult notRegistered(String token) {
            return new RecipientResult(token, "not_registered", null);
        }

        static RecipientResult duplicate(String token) {
            return new RecipientResult(token, "duplicate", null);
        }
    }

    /**
     * @param caller  a verified site key with the send scope
     * @param message what to send
     * @param tokens  the recipients, at most {@link #MAX_RECIPIENTS}
     * @return what was accepted, per recipient
     */
    public Accepted send(Caller caller, NotificationMessage message, List<String> tokens) {
        if (tokens.isEmpty()) {
            throw Problem.of(CommonProblem.VALIDATION_FAILED, "tokens: at least one recipient is required").toException();
        }
        if (tokens.size() > MAX_RECIPIENTS) {
            throw Problem.of(GatewayProblem.TOO_MANY_RECIPIENTS, "At most " + MAX_RECIPIENTS + " recipients per request; this one has "
                    + tokens.size() + ". Split it, or broadcast to a channel.").with("limit", MAX_RECIPIENTS).toException();
        }
        userQuota.requireWithinQuota(caller.siteId());
        // Every recipient counts, registered or not: probing tokens costs the same as sending to them.
        limiter.require(caller.siteId(), limits.notificationsPerMinute(caller.siteId()), tokens.size());
        limiter.require(caller.siteId(), limits.notificationsPerDay(caller.siteId()), tokens.size());
        String id = UUID.randomUUID().toString();
        Set<String> unique = new LinkedHashSet<>(tokens);
        List<RecipientResult> results = new ArrayList<>(tokens.size());
        int queued = db.inTransaction(c -> {
            results.clear(); // a deadlock victim's transaction runs again
            Map<String, Platform> confirmed = store.confirmedTokens(c, caller.siteId(), unique);
            List<NotificationWrites.Target> targets = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                if (!seen.add(token)) {
                    results.add(RecipientResult.duplicate(token));
                } else if (confirmed.containsKey(token)) {
                    targets.add(new NotificationWrites.Target(i, token, confirmed.get(token)));
                    results.add(RecipientResult.queued(token, i));
                } else {
                    results.add(RecipientResult.notRegistered(token));
                }
            }
            if (!targets.isEmpty()) {
                store.insertNotification(c, id, caller.siteId(), "send", null, message, targets);
            }
            return targets.size();
        });
        if (queued > 0) {
            engine.poke();
        }
        return new Accepted(queued > 0 ? id : null, queued, results);
    }

    /** Wakes the delivery engine (after failed deliveries were queued again). */
    public void poke() {
        engine.poke();
    }

    /**
     * @param caller  a verified site key with the broadcast scope
     * @param channel the channel, or null for the site's default channel (every confirmed device)
     * @param message what to send
     * @return the notification id and the number of recipients
     */
    public Accepted broadcast(Caller caller, String channel, NotificationMessage message) {
        userQuota.requireWithinQuota(caller.siteId());
        limiter.require(caller.siteId(), limits.broadcastsPerDay(caller.siteId()), 1);
        String defaultChannel = DeviceTokens.defaultChannel(caller.siteUrl());
        String effective = channel == null || channel.isBlank() ? defaultChannel : channel;
        String id = UUID.randomUUID().toString();
        int count = store.acceptBroadcast(id, caller.siteId(), effective, effective.equals(defaultChannel), message);
        engine.poke();
        return new Accepted(id, count, List.of());
    }
}
