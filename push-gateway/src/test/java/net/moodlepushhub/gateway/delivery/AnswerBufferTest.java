package net.moodlepushhub.gateway.delivery;

import net.moodlepushhub.gateway.provider.Platform;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Answers reach the recorder once each, in batches, whoever adds them. */
class AnswerBufferTest {

    private static DeliveryQueue.Result answer(long n) {
        return new DeliveryQueue.Delivered(new Delivery(n, "n", n, "s", "t", Platform.APNS, 0, null, 0));
    }

    @Test
    void everyAnswerAddedConcurrentlyIsTakenOnceAndBatchesAreBounded() throws Exception {
        AnswerBuffer buffer = new AnswerBuffer(100, 5);
        ExecutorService adders = Executors.newFixedThreadPool(4);
        List<Future<?>> added = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int from = t * 10_000;
            added.add(adders.submit(() -> {
                for (int i = 0; i < 10_000; i++) {
                    buffer.add(answer(from + i));
                }
            }));
        }
        Set<Long> taken = new HashSet<>();
        int total = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (total < 40_000 && System.nanoTime() < deadline) {
            List<DeliveryQueue.Result> batch = buffer.take();
            assertThat(batch).hasSizeLessThanOrEqualTo(100);
            batch.forEach(r -> taken.add(r.delivery().id()));
            total += batch.size();
        }
        for (Future<?> f : added) {
            f.get();
        }
        adders.shutdown();
        assertThat(total).isEqualTo(40_000);
        assertThat(taken).hasSize(40_000);
        assertThat(buffer.drain(Integer.MAX_VALUE)).isEmpty();
    }

    @Test
    void fewerThanABatchAreTakenAfterTheGatherIntervalAndPutBackAnswersComeAgain() throws Exception {
        AnswerBuffer buffer = new AnswerBuffer(1000, 5);
        buffer.add(answer(1));
        buffer.add(answer(2));
        List<DeliveryQueue.Result> first = buffer.take();
        assertThat(first).hasSize(2);
        // The recording failed: the answers go back and are taken again.
        buffer.addAll(first);
        assertThat(buffer.take()).extracting(r -> r.delivery().id()).containsExactly(1L, 2L);
        assertThat(buffer.take()).isEmpty();
    }
}
