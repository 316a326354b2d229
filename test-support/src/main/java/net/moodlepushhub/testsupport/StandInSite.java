package net.moodlepushhub.testsupport;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for a Moodle site's web server on 127.0.0.1: serves whatever files the test puts there, the way
 * a site admin would serve the hub's challenge with any static file server.
 */
public final class StandInSite implements AutoCloseable {

    private final HttpServer server;
    private final Map<String, String> files = new ConcurrentHashMap<>();
    private final Map<String, String> redirects = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param port the port to listen on (0 for any)
     * @throws IOException when the port is taken
     */
    public StandInSite(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String location = redirects.get(exchange.getRequestURI().getPath());
            if (location != null) {
                // As Moodle's redirect() answers: 303 See Other (e.g. the front page of a site with forced login).
                exchange.getResponseHeaders().set("Location", location);
                exchange.sendResponseHeaders(303, -1);
                exchange.close();
                return;
            }
            String body = files.get(exchange.getRequestURI().getPath());
            byte[] bytes = (body == null ? "not found" : body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", body != null && body.startsWith("<!DOCTYPE html") ? "text/html; charset=utf-8" : "text/plain");
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    /**
     * @param path    absolute path, e.g. {@code /moodle/.well-known/moodle-push-hub/abc}
     * @param content the body to serve
     */
    public void serve(String path, String content) {
        files.put(path, content);
    }

    /**
     * Answers {@code path} with {@code 303 See Other} to {@code location}, as Moodle's {@code redirect()} does.
     *
     * @param path     absolute path
     * @param location the Location header
     */
    public void redirect(String path, String location) {
        redirects.put(path, location);
    }

    /** @return the base URL, e.g. {@code http://127.0.0.1:18765} */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** @return how many requests arrived */
    public int requestCount() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
