package net.moodlepushhub.bench;

import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

import java.io.IOException;
import java.net.URI;

/**
 * The clients of a request-rate benchmark: blocking HTTP/1.1 on kept-alive connections, one per client thread
 * (Apache HttpClient 5, classic). The JDK's {@code HttpClient}, which the tests use, hands every exchange to its
 * selector thread and back: measured in the token benchmark it took 300 µs of CPU per request on this 2-core
 * machine, a third of it, which then did not go to the gateway. Both sides of a ratio use the same client.
 */
final class LoadClient implements AutoCloseable {

    private final URI base;
    private final PoolingHttpClientConnectionManager connections;
    private final CloseableHttpClient http;

    /**
     * @param baseUrl the server, e.g. {@code http://127.0.0.1:8081}
     * @param clients how many threads send at once (one connection each)
     */
    LoadClient(String baseUrl, int clients) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.connections = PoolingHttpClientConnectionManagerBuilder.create().setMaxConnTotal(clients).setMaxConnPerRoute(clients).build();
        this.http = HttpClients.custom().setConnectionManager(connections).disableCookieManagement().disableRedirectHandling()
                .disableAutomaticRetries().build();
    }

    /**
     * Sends one request and reads the whole answer.
     *
     * @param method HTTP method
     * @param path   relative to the base URL
     * @param json   the body, or null
     * @param bearer the access key
     * @return the status
     */
    int send(String method, String path, String json, String bearer) throws IOException {
        HttpUriRequestBase request = new HttpUriRequestBase(method, base.resolve(path));
        request.setHeader("Authorization", "Bearer " + bearer);
        request.setHeader("Accept", "application/json");
        if (json != null) {
            request.setEntity(new StringEntity(json, ContentType.APPLICATION_JSON));
        }
        return http.execute(request, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
    }

    @Override
    public void close() throws IOException {
        http.close();
        connections.close();
    }
}
