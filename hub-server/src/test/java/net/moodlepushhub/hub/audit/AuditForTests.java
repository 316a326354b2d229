package net.moodlepushhub.hub.audit;

import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.NotificationOptions;
import jakarta.enterprise.util.TypeLiteral;
import net.moodlepushhub.hub.persistence.HubDatabase;

import java.lang.annotation.Annotation;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Wires the hub's audit log outside the container, for unit tests in other packages. */
public final class AuditForTests {

    private AuditForTests() {
    }

    /**
     * @param db    an open hub database
     * @param fired receives the {@link AuditRecorded} events the container would hand to its observers
     * @return the audit log
     */
    public static AuditLog log(HubDatabase db, List<AuditRecorded> fired) {
        AuditLog log = new AuditLog();
        log.db = db;
        log.recorded = new Recorder(fired);
        return log;
    }

    /** Collects fired events; nothing else is selectable outside the container. */
    private record Recorder(List<AuditRecorded> fired) implements Event<AuditRecorded> {

        @Override
        public void fire(AuditRecorded event) {
            fired.add(event);
        }

        @Override
        public <U extends AuditRecorded> CompletionStage<U> fireAsync(U event) {
            fired.add(event);
            return CompletableFuture.completedFuture(event);
        }

        @Override
        public <U extends AuditRecorded> CompletionStage<U> fireAsync(U event, NotificationOptions options) {
            return fireAsync(event);
        }

        @Override
        public Event<AuditRecorded> select(Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends AuditRecorded> Event<U> select(Class<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <U extends AuditRecorded> Event<U> select(TypeLiteral<U> subtype, Annotation... qualifiers) {
            throw new UnsupportedOperationException();
        }
    }
}
