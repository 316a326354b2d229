package net.moodlepushhub.gateway.hub;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fail-over over real HTTP: stand-in hubs on loopback (JDK server), one of them not listening at all. */
class HubConnectionTest {

    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(s -> s.stop(0));
    }

    /** A stand-in hub answering every request with {@code status} and its name, counting requests. */
    private String hub(String name, int status, AtomicInteger requests) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("{\"hub\":\"" + name + "\",\"auth\":\"" + exchange.getRequestHeaders().getFirst("Authorization") + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        servers.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** A port nothing listens on: connections are refused, as after {@code kill -9}. */
    private static String deadHub() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private static HubConnection connection(String... urls) {
        return HubConnection.of(new HubEndpoints(List.of(urls), Duration.ofMinutes(1), System::nanoTime), "feed-secret");
    }

    @Test
    void aGetGoesToTheNextHubWhenTheFirstIsDownAndStaysThere() throws Exception {
        String dead = deadHub();
        AtomicInteger hits = new AtomicInteger();
        String live = hub("b", 200, hits);
        HubConnection c = connection(dead, live);

        HttpResponse<String> r = c.get("/api/v1/revocations?after=0&wait=0", Duration.ofSeconds(5));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"hub\":\"b\"").contains("Bearer feed-secret");
        assertThat(c.endpoints().current()).isEqualTo(live);
        assertThat(c.endpoints().order()).containsExactly(live, dead);
        c.get("/x", Duration.ofSeconds(5));
        assertThat(hits).hasValue(2);
    }

    @Test
    void aHubAnswering503IsSkippedForAGetAndAPost() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        String unavailable = hub("a", 503, first);
        String live = hub("b", 200, second);
        HubConnection c = connection(unavailable, live);

        assertThat(c.get("/api/v1/internal/sites/x/limits", Duration.ofSeconds(5)).body()).contains("\"hub\":\"b\"");
        assertThat(c.endpoints().current()).isEqualTo(live);
        // The next call goes straight to the hub that answered: the unavailable one is not asked again.
        assertThat(c.postJson("/api/v1/internal/usage", "{}", Duration.ofSeconds(5)).body()).contains("\"hub\":\"b\"");
        assertThat(first).hasValue(1);
        assertThat(second).hasValue(2);
    }

    @Test
    void aPostIsNotRepeatedOnAnotherHubAfterA502() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        String proxied = hub("a", 502, first);
        String other = hub("b", 200, second);
        HubConnection c = connection(proxied, other);

        // Behind a proxy, 502 may come after the hub carried the request out: the answer is returned as it is.
        assertThat(c.postJson("/api/v1/abuse-reports", "{}", Duration.ofSeconds(5)).statusCode()).isEqualTo(502);
        assertThat(second).hasValue(0);
        // A GET is safe to repeat.
        assertThat(c.get("/.well-known/jwks.json", Duration.ofSeconds(5)).body()).contains("\"hub\":\"b\"");
    }

    @Test
    void aClientErrorIsAnAnswerNotAFailure() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        String a = hub("a", 404, first);
        String b = hub("b", 200, second);
        HubConnection c = connection(a, b);

        assertThat(c.get("/api/v1/internal/sites/unknown/limits", Duration.ofSeconds(5)).statusCode()).isEqualTo(404);
        assertThat(c.endpoints().current()).isEqualTo(a);
        assertThat(second).hasValue(0);
    }

    @Test
    void whenNoHubAnswersTheLastErrorIsThrownOrTheLastUnavailableAnswerReturned() throws Exception {
        HubConnection down = connection(deadHub(), deadHub());
        assertThatThrownBy(() -> down.get("/x", Duration.ofSeconds(5))).isInstanceOf(java.net.ConnectException.class);

        HubConnection unavailable = connection(deadHub(), hub("b", 503, new AtomicInteger()));
        assertThat(unavailable.get("/x", Duration.ofSeconds(5)).statusCode()).isEqualTo(503);
    }

    @Test
    void aSingleHubIsCalledAsBefore() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HubConnection c = connection(hub("only", 503, hits));
        assertThat(c.get("/x", Duration.ofSeconds(5)).statusCode()).isEqualTo(503);
        assertThat(c.get("/x", Duration.ofSeconds(5)).statusCode()).isEqualTo(503);
        assertThat(hits).hasValue(2);
    }
}
