package net.moodlepushhub.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Creates a hub operator with the documented command ({@code ./hub-admin create-admin}) and logs in through
 * the admin API, for tests and benchmarks that act as the hub's operators.
 */
public final class HubAdmin {

    private HubAdmin() {
    }

    /**
     * @param repoRoot   the repository root (where {@code hub-admin} is)
     * @param hubDbUrl   the hub's database
     * @param dbUser     its user
     * @param dbPassword its password
     * @param hub        the running hub's API
     * @return an admin session token for {@code Authorization: Bearer}
     * @throws Exception when the command or the login fails
     */
    public static String createAndLogin(Path repoRoot, String hubDbUrl, String dbUser, String dbPassword, HttpJson hub) throws Exception {
        String username = "admin-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "pw-" + UUID.randomUUID();
        ProcessBuilder pb = new ProcessBuilder(repoRoot.resolve("hub-admin").toString(), "create-admin", username)
                .directory(repoRoot.toFile()).redirectErrorStream(true);
        pb.environment().put("HUB_DB_URL", hubDbUrl);
        pb.environment().put("HUB_DB_USER", dbUser);
        pb.environment().put("HUB_DB_PASSWORD", dbPassword);
        Process p = pb.start();
        p.getOutputStream().write((password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("hub-admin failed: " + out);
        }
        HttpJson.Answer login = hub.send("POST", "api/v1/admin/login",
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}", null);
        if (login.status() != 200) {
            throw new IllegalStateException("admin login failed: " + login);
        }
        return login.get("token");
    }
}
