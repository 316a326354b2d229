package net.moodlepushhub.gateway.delivery;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Answers on their way from the threads that receive them (the push services' network threads, the lanes) to the
 * recorder, which writes them in batches. Adding never blocks and wakes the recorder only when a full batch is
 * waiting; otherwise the recorder looks every {@code gather} interval. A blocking queue woke the recorder at
 * nearly every answer (a futex call on the network thread each), to record a batch that was not full yet.
 */
final class AnswerBuffer {

    private final Queue<DeliveryQueue.Result> answers = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int batch;
    private final long gatherNanos;
    private volatile Thread recorder;

    /**
     * @param batch  most answers recorded together, and the count that wakes the recorder
     * @param gather how long the recorder lets answers gather when fewer than a batch wait, in milliseconds
     */
    AnswerBuffer(int batch, long gather) {
        this.batch = batch;
        this.gatherNanos = TimeUnit.MILLISECONDS.toNanos(gather);
    }

    /** @param answer an answer to record; never blocks */
    void add(DeliveryQueue.Result answer) {
        answers.add(answer);
        if (size.incrementAndGet() == batch) {
            Thread r = recorder;
            if (r != null) {
                LockSupport.unpark(r);
            }
        }
    }

    /** @param again answers whose recording failed, to record again */
    void addAll(Collection<DeliveryQueue.Result> again) {
        again.forEach(this::add);
    }

    /**
     * Waits until a batch of answers is waiting or the gather interval passed, then takes up to a batch.
     *
     * @return the answers taken, maybe none
     * @throws InterruptedException when the recorder is interrupted
     */
    List<DeliveryQueue.Result> take() throws InterruptedException {
        recorder = Thread.currentThread();
        long deadline = System.nanoTime() + gatherNanos;
        long left;
        while (size.get() < batch && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        return drain(batch);
    }

    /**
     * @param most most answers to take
     * @return answers waiting now, without waiting
     */
    List<DeliveryQueue.Result> drain(int most) {
        List<DeliveryQueue.Result> out = new ArrayList<>(Math.min(most, Math.max(0, size.get())));
        DeliveryQueue.Result r;
        while (out.size() < most && (r = answers.poll()) != null) {
            out.add(r);
        }
        size.addAndGet(-out.size());
        return out;
    }
}
