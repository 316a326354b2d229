package net.moodlepushhub.gateway.web;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.spi.CDI;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.DynamicFeature;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import net.moodlepushhub.common.problem.ProblemException;
import net.moodlepushhub.common.problem.ProblemResponses;
import net.moodlepushhub.gateway.keys.Caller;

import java.util.List;
import java.util.function.Supplier;

/**
 * Binds access-key authentication to every resource method annotated {@link RequiresScope}, as the hub's
 * {@code RoleCheckFeature} binds its role check: before the method runs, the request's key is verified once
 * ({@link KeyAuthentication}), checked for one of the scopes, and the caller put in {@link CurrentCaller} (and
 * in the request property {@link #CALLER}). A refusal aborts the request with its problem document, in the
 * AirNotifier form when the resource class is {@link AirNotifierApi}.
 *
 * <p>The beans are looked up through {@link CDI} when the filter first runs rather than injected here: a
 * {@code DynamicFeature} is configured while the JAX-RS runtime starts, before injection into it can be
 * relied on, and the beans are normal-scoped proxies, so one lookup serves every request.</p>
 */
@Provider
public class AccessKeyFeature implements DynamicFeature {

    /** The request property holding the verified {@link Caller}. */
    public static final String CALLER = Caller.class.getName();

    @Override
    public void configure(ResourceInfo resourceInfo, FeatureContext context) {
        RequiresScope required = resourceInfo.getResourceMethod().getAnnotation(RequiresScope.class);
        if (required != null) {
            boolean legacy = resourceInfo.getResourceClass().isAnnotationPresent(AirNotifierApi.class);
            context.register(new Check(List.of(required.value()), legacy, Beans::lookUp));
        }
    }

    /** The beans the check uses, looked up together and published as one, so no request sees half of them. */
    record Beans(KeyAuthentication auth, CurrentCaller current) {
        static Beans lookUp() {
            return new Beans(CDI.current().select(KeyAuthentication.class).get(), CDI.current().select(CurrentCaller.class).get());
        }
    }

    /** Verifies the key before the method runs; forgets the caller once the response goes out. */
    @Priority(Priorities.AUTHENTICATION)
    static final class Check implements ContainerRequestFilter, ContainerResponseFilter {
        private final List<String> scopes;
        private final boolean legacy;
        private final Supplier<Beans> lookUp;
        private volatile Beans beans;

        Check(List<String> scopes, boolean legacy, Supplier<Beans> lookUp) {
            if (scopes.isEmpty()) {
                throw new IllegalArgumentException("@RequiresScope needs a scope");
            }
            this.scopes = scopes;
            this.legacy = legacy;
            this.lookUp = lookUp;
        }

        @Override
        public void filter(ContainerRequestContext request) {
            // Two fields set one after the other let a concurrent first request see the first set and the second
            // still null (four 500s in a benchmark's first burst of 16 clients): one reference, set once complete.
            // Looking up twice in a race is harmless: the beans are normal-scoped proxies.
            Beans b = beans;
            if (b == null) {
                b = lookUp.get();
                beans = b;
            }
            KeyAuthentication auth = b.auth();
            CurrentCaller current = b.current();
            String presented = KeyAuthentication.presentedKey(request.getHeaderString(HttpHeaders.AUTHORIZATION),
                    request.getHeaderString(KeyAuthentication.AN_APP_KEY));
            Caller caller;
            try {
                caller = auth.authenticate(presented, scopes, legacy);
            } catch (ProblemException e) {
                request.abortWith(ProblemResponses.toResponse(e.problem()));
                return;
            }
            request.setProperty(CALLER, caller);
            current.set(caller);
        }

        @Override
        public void filter(ContainerRequestContext request, ContainerResponseContext response) {
            Beans b = beans;
            if (b != null) {
                b.current().clear();
            }
        }
    }
}
