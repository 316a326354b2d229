package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.ApplicationScoped;
import net.moodlepushhub.gateway.keys.Caller;

/**
 * The caller of the current request, as {@link AccessKeyFeature} verified it before a
 * {@link RequiresScope} method runs. Injected into resources instead of each method verifying the key again.
 *
 * <p>Held per thread, not in a {@code @RequestScoped} bean: Weld creating, injecting and destroying that bean took
 * about 4 % of the request threads' CPU (a profile of the token benchmark). A request runs on one thread from the
 * filter to the resource method (no resource here is asynchronous); the filter sets the caller on every request
 * that reads it and clears it when the response goes out.</p>
 */
@ApplicationScoped
public class CurrentCaller {

    private final ThreadLocal<Caller> caller = new ThreadLocal<>();

    void set(Caller verified) {
        caller.set(verified);
    }

    void clear() {
        caller.remove();
    }

    /**
     * @return the verified caller
     * @throws IllegalStateException on a method without {@link RequiresScope} (a programming error)
     */
    public Caller get() {
        Caller verified = caller.get();
        if (verified == null) {
            throw new IllegalStateException("no verified caller: the resource method lacks @RequiresScope");
        }
        return verified;
    }
}
