package net.moodlepushhub.gateway.delivery;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The recipients of a batch as its row stores them ({@code delivery_batch.targets}): recipient number and device
 * token, in order. A recipient's position in the list is its bit in the batch's {@code answered} bitmap, so the
 * order never changes once written.
 *
 * <p>Format: a version byte (1), the count (int), then per recipient its number (long) and its token (modified
 * UTF-8, as {@link DataOutputStream#writeUTF}). Binary rather than JSON: the gateway writes and reads a batch per
 * thousand recipients, and this costs next to nothing either way.</p>
 */
public final class BatchTargets {

    private static final byte VERSION = 1;

    /**
     * One recipient of a batch.
     *
     * @param recipient its number within the notification
     * @param token     its device token
     */
    public record Target(long recipient, String token) {
    }

    private BatchTargets() {
    }

    /**
     * @param targets the batch's recipients, in order
     * @return their stored form
     */
    public static byte[] encode(List<Target> targets) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + targets.size() * 90);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeInt(targets.size());
            for (Target t : targets) {
                out.writeLong(t.recipient());
                out.writeUTF(t.token());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @param stored what {@link #encode} wrote
     * @return the recipients, in order
     * @throws IllegalArgumentException when it is not a batch's stored recipients
     */
    public static List<Target> decode(byte[] stored) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown batch format " + version);
            }
            int n = in.readInt();
            List<Target> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(new Target(in.readLong(), in.readUTF()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated batch recipients", e);
        }
    }
}
