package net.moodlepushhub.verifier;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.apache.hc.client5.http.io.DetachedSocketFactory;
import org.apache.hc.core5.concurrent.Cancellable;

/**
 * Owns the sockets of one hop. It is the hop's {@link DetachedSocketFactory}, so every socket HttpClient opens
 * (plain, or the one TLS is layered on) passes through it, which lets it
 * <ul>
 *   <li>refuse, as a last line of defence, to connect anywhere but the checked addresses,</li>
 *   <li>record the address actually connected to, and</li>
 *   <li>abort the hop at the deadline by closing the sockets, whatever state HttpClient is in.</li>
 * </ul>
 */
final class HopGuard implements DetachedSocketFactory {

    private final List<InetAddress> pinned;
    private final List<Socket> sockets = new ArrayList<>();
    private boolean closed;
    private volatile boolean timedOut;
    private volatile InetAddress connected;

    private final Predicate<InetAddress> connectFilter;

    HopGuard(final List<InetAddress> pinned, final Predicate<InetAddress> connectFilter) {
        this.pinned = List.copyOf(pinned);
        this.connectFilter = connectFilter;
    }

    @Override
    public Socket create(final Proxy proxy) throws IOException {
        if (proxy != null && proxy.type() != Proxy.Type.DIRECT) {
            throw new IOException("proxies are not used for verification");
        }
        synchronized (sockets) {
            if (closed) {
                throw new IOException("hop aborted");
            }
            final Socket socket = new GuardedSocket();
            sockets.add(socket);
            return socket;
        }
    }

    /** Called by the watchdog at the deadline. */
    void timeout(final Cancellable request) {
        timedOut = true;
        request.cancel();
        closeAll();
    }

    boolean timedOut() {
        return timedOut;
    }

    /** The address a socket of this hop connected to, or {@code null}. */
    InetAddress connected() {
        return connected;
    }

    /** Closes every socket of this hop at once, without draining anything. */
    void closeAll() {
        final List<Socket> toClose;
        synchronized (sockets) {
            closed = true;
            toClose = new ArrayList<>(sockets);
        }
        for (final Socket socket : toClose) {
            try {
                socket.close();
            } catch (final IOException ignored) {
                // closing is best effort
            }
        }
    }

    private final class GuardedSocket extends Socket {

        @Override
        public void connect(final SocketAddress endpoint, final int timeout) throws IOException {
            if (!(endpoint instanceof InetSocketAddress) || ((InetSocketAddress) endpoint).isUnresolved()
                    || !pinned.contains(((InetSocketAddress) endpoint).getAddress())
                    || !connectFilter.test(((InetSocketAddress) endpoint).getAddress())) {
                throw new IOException("refusing to connect to an address that was not checked");
            }
            super.connect(endpoint, timeout);
            connected = ((InetSocketAddress) endpoint).getAddress();
        }
    }
}
