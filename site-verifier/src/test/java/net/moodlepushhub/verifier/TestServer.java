package net.moodlepushhub.verifier;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;

/** An HTTP or HTTPS server on 127.0.0.1 and a random port, with small handler helpers. */
final class TestServer implements AutoCloseable {

    final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        final Thread t = new Thread(r, "test-server");
        t.setDaemon(true);
        return t;
    });

    private TestServer(final HttpServer server) {
        this.server = server;
        server.setExecutor(executor);
    }

    static TestServer http() throws IOException {
        return new TestServer(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50));
    }

    static TestServer https() throws IOException {
        return new TestServer(HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 50));
    }

    TestServer start() {
        server.start();
        return this;
    }

    int port() {
        return server.getAddress().getPort();
    }

    TestServer handle(final String path, final HttpHandler handler) {
        server.createContext(path, exchange -> {
            try {
                handler.handle(exchange);
            } catch (final IOException e) {
                // the verifier hung up, as it should for slow or large responses
            } finally {
                exchange.close();
            }
        });
        return this;
    }

    TestServer text(final String path, final int status, final String body) {
        return handle(path, exchange -> send(exchange, status, body));
    }

    TestServer redirect(final String path, final int status, final String location) {
        return handle(path, exchange -> {
            exchange.getResponseHeaders().add("Location", location);
            exchange.sendResponseHeaders(status, -1);
        });
    }

    static void send(final HttpExchange exchange, final int status, final String body) throws IOException {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
