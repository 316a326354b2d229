package net.moodlepushhub.hub.admin;

import com.zaxxer.hikari.HikariDataSource;
import net.moodlepushhub.db.Database;
import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.db.Schema;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.function.Function;

/**
 * The operator-account command, run next to the hub (not inside it): there is no default account and no
 * default password, so the first admin is created here, with the password read from standard input.
 *
 * <pre>
 *   ./hub-admin create-admin &lt;username&gt;      # password from stdin (asked twice on a terminal)
 *   ./hub-admin create-auditor &lt;username&gt;
 *   ./hub-admin reset-password &lt;username&gt;
 *   ./hub-admin create-admin &lt;username&gt; --email ops@example.org   # receives the abuse-report digest
 *   ./hub-admin set-email &lt;username&gt; &lt;address|none&gt;       # no password needed
 * </pre>
 *
 * <p>It writes to the hub database selected exactly like the hub does: {@code HUB_DB_URL}, {@code HUB_DB_USER},
 * {@code HUB_DB_PASSWORD} (or the {@code hub.db.*} system properties), otherwise the embedded database in
 * {@code HUB_DATA_DIR} (default {@code ./data/hub}, where {@code ./run} keeps it). It migrates the schema first,
 * so it works before the hub's first start. Plain JDBC: no application server classes are needed.</p>
 */
public final class CreateAdmin {

    private static final String USERNAME = "^[A-Za-z0-9._@-]{1,64}$";
    /** A plain address; the hub checks it strictly (Jakarta Mail) again before mailing it. */
    private static final java.util.regex.Pattern EMAIL = java.util.regex.Pattern.compile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$");

    private CreateAdmin() {
    }

    /**
     * @param args {@code create-admin|create-auditor|reset-password <username>}
     */
    public static void main(String[] args) {
        int code = run(args, System.in, System.out, System.err, System.getenv()::get);
        System.exit(code);
    }

    /**
     * The command, testable without exiting the JVM.
     *
     * @param args   the arguments
     * @param stdin  where the password is read
     * @param out    normal output
     * @param err    errors
     * @param env    environment lookup (system properties {@code hub.db.*} win over it)
     * @return the exit status
     */
    public static int run(String[] args, InputStream stdin, PrintStream out, PrintStream err, Function<String, String> env) {
        // --email <address> may appear anywhere; what remains is the command and the username (and for
        // set-email, the address).
        java.util.List<String> rest = new java.util.ArrayList<>(Arrays.asList(args));
        String email = null;
        int at = rest.indexOf("--email");
        if (at >= 0) {
            if (at + 1 >= rest.size()) {
                err.println("--email needs an address");
                return 2;
            }
            email = rest.get(at + 1);
            rest.subList(at, at + 2).clear();
        }
        if (rest.size() == 3 && rest.get(0).equals("set-email") && email == null) {
            email = rest.remove(2);
        }
        if (rest.size() != 2 || !Arrays.asList("create-admin", "create-auditor", "reset-password", "set-email").contains(rest.get(0))
                || (rest.get(0).equals("set-email") && email == null)) {
            err.println("usage: hub-admin create-admin|create-auditor|reset-password <username> [--email <address>]   (password on stdin)");
            err.println("       hub-admin set-email <username> <address|none>");
            return 2;
        }
        args = rest.toArray(new String[0]);
        String username = args[1];
        if (!username.matches(USERNAME)) {
            err.println("a username is 1-64 characters of A-Z a-z 0-9 . _ @ -");
            return 2;
        }
        if ("none".equals(email) && args[0].equals("set-email")) {
            email = "";
        } else if (email != null && !EMAIL.matcher(email).matches()) {
            err.println("not an e-mail address: " + email.replaceAll("\\p{Cntrl}", "?"));
            return 2;
        }
        if (args[0].equals("set-email")) {
            return setEmail(username, email.isEmpty() ? null : email, out, err, env);
        }
        String password;
        try {
            password = readPassword(stdin, out);
        } catch (IOException e) {
            err.println("cannot read the password: " + e.getMessage());
            return 1;
        }
        if (password == null) {
            err.println("the two passwords differ");
            return 1;
        }
        if (password.length() < PasswordHasher.MIN_LENGTH || password.length() > PasswordHasher.MAX_LENGTH) {
            err.println("a password has " + PasswordHasher.MIN_LENGTH + " to " + PasswordHasher.MAX_LENGTH + " characters");
            return 1;
        }
        DatabaseSettings settings = databaseSettings(env);
        try (HikariDataSource ds = Database.open(settings)) {
            Database.migrate(ds, Schema.HUB);
            String hash = PasswordHasher.hash(password);
            Timestamp now = Timestamp.valueOf(LocalDateTime.now(ZoneOffset.UTC));
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                if (args[0].equals("reset-password")) {
                    try (PreparedStatement st = c.prepareStatement("UPDATE operator SET password_hash = ?, updated_at = ?, email = COALESCE(?, email) WHERE username = ?")) {
                        st.setString(1, hash);
                        st.setTimestamp(2, now);
                        st.setString(3, email);
                        st.setString(4, username);
                        if (st.executeUpdate() != 1) {
                            err.println("there is no operator " + username);
                            return 1;
                        }
                    }
                } else {
                    Role role = args[0].equals("create-admin") ? Role.ADMIN : Role.AUDITOR;
                    try (PreparedStatement st = c.prepareStatement("INSERT INTO operator (username, password_hash, role, enabled, created_at, updated_at, email) VALUES (?, ?, ?, TRUE, ?, ?, ?)")) {
                        st.setString(1, username);
                        st.setString(2, hash);
                        st.setString(3, role.wire());
                        st.setTimestamp(4, now);
                        st.setTimestamp(5, now);
                        st.setString(6, email);
                        st.executeUpdate();
                    } catch (SQLException e) {
                        if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
                            err.println("operator " + username + " exists already (use reset-password)");
                            return 1;
                        }
                        throw e;
                    }
                }
                try (PreparedStatement st = c.prepareStatement("INSERT INTO audit_log (at, actor, action, subject_type, subject, reason, detail) VALUES (?, 'system', ?, 'operator', ?, ?, NULL)")) {
                    st.setTimestamp(1, now);
                    st.setString(2, args[0]);
                    st.setString(3, username);
                    st.setString(4, "hub-admin command");
                    st.executeUpdate();
                }
                c.commit();
            }
            out.println(args[0] + ": " + username + " done (" + settings.describe() + ")");
            return 0;
        } catch (SQLException | RuntimeException e) {
            err.println("failed: " + e.getMessage());
            return 1;
        }
    }

    private static DatabaseSettings databaseSettings(Function<String, String> env) {
        return new DatabaseSettings(setting("hub.db.url", env), setting("hub.db.user", env),
                setting("hub.db.password", env), Path.of(orDefault(setting("hub.data-dir", env), "./data/hub")),
                // The same name as the hub's own pool: the embedded database file is named after it.
                "hub", 3);
    }

    /** Sets or clears an operator's address (for the abuse-report digest); no password needed. */
    private static int setEmail(String username, String email, PrintStream out, PrintStream err, Function<String, String> env) {
        DatabaseSettings settings = databaseSettings(env);
        try (HikariDataSource ds = Database.open(settings)) {
            Database.migrate(ds, Schema.HUB);
            Timestamp now = Timestamp.valueOf(LocalDateTime.now(ZoneOffset.UTC));
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement st = c.prepareStatement("UPDATE operator SET email = ?, updated_at = ? WHERE username = ?")) {
                    st.setString(1, email);
                    st.setTimestamp(2, now);
                    st.setString(3, username);
                    if (st.executeUpdate() != 1) {
                        err.println("there is no operator " + username);
                        return 1;
                    }
                }
                try (PreparedStatement st = c.prepareStatement("INSERT INTO audit_log (at, actor, action, subject_type, subject, reason, detail) VALUES (?, 'system', 'set-email', 'operator', ?, ?, NULL)")) {
                    st.setTimestamp(1, now);
                    st.setString(2, username);
                    st.setString(3, "hub-admin command");
                    st.executeUpdate();
                }
                c.commit();
            }
            out.println("set-email: " + username + " " + (email == null ? "cleared" : email) + " (" + settings.describe() + ")");
            return 0;
        } catch (SQLException | RuntimeException e) {
            err.println("failed: " + e.getMessage());
            return 1;
        }
    }

    private static String readPassword(InputStream stdin, PrintStream out) throws IOException {
        Console console = System.console();
        if (console != null && stdin == System.in) {
            char[] first = console.readPassword("Password: ");
            char[] second = console.readPassword("Again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                return null;
            }
            return new String(first);
        }
        // Not a terminal: the first line of standard input (printf '%s\n' "$PW" | ./hub-admin ...).
        String line = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8)).readLine();
        return line == null ? "" : line;
    }

    private static String setting(String property, Function<String, String> env) {
        String value = System.getProperty(property);
        if (value == null) {
            value = env.apply(property.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        return value == null ? "" : value;
    }

    private static String orDefault(String value, String fallback) {
        return value.isBlank() ? fallback : value;
    }

}
