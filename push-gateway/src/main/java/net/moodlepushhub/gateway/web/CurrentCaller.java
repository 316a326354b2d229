package net.moodlepushhub.gateway.web;

import jakarta.enterprise.context.RequestScoped;
import net.moodlepushhub.gateway.keys.Caller;

/**
 * The caller of the current request, as {@link AccessKeyFeature} verified it before a
 * {@link RequiresScope} method runs. Injected into resources instead of each method verifying the key again.
 */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    /**
     * @return the verified caller
     * @throws IllegalStateException on a method without {@link RequiresScope} (a programming error)
     */
    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("no verified caller: the resource method lacks @RequiresScope");
        }
        return caller;
    }
}
