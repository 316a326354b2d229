package net.moodlepushhub.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Access to the machine's real MariaDB for integration tests: creates a test database when missing and
 * answers counting queries, to check that failed requests leave nothing behind.
 */
public final class MariaDbDatabases {

    private MariaDbDatabases() {
    }

    /**
     * Creates the database named in a JDBC URL if it does not exist.
     *
     * @param jdbcUrl  e.g. {@code jdbc:mariadb://127.0.0.1:3306/mph_hub_it}
     * @param user     the user
     * @param password the password
     */
    public static void ensureExists(String jdbcUrl, String user, String password) {
        int slash = jdbcUrl.lastIndexOf('/');
        String server = jdbcUrl.substring(0, slash + 1);
        String name = jdbcUrl.substring(slash + 1).split("[?;]")[0];
        try (Connection c = DriverManager.getConnection(server, user, password); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new AssertionError("MariaDB is not reachable at " + server + " (start it: see .ci/run)", e);
        }
    }

    /**
     * Drops and creates the database named in a JDBC URL, so a test starts from an empty schema (a crash test
     * must not find the queue of an earlier run).
     *
     * @param jdbcUrl  e.g. {@code jdbc:mariadb://127.0.0.1:3306/mph_gateway_it}
     * @param user     the user
     * @param password the password
     */
    public static void recreate(String jdbcUrl, String user, String password) {
        int slash = jdbcUrl.lastIndexOf('/');
        String server = jdbcUrl.substring(0, slash + 1);
        String name = jdbcUrl.substring(slash + 1).split("[?;]")[0];
        try (Connection c = DriverManager.getConnection(server, user, password); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS `" + name + "`");
            st.execute("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
        } catch (SQLException e) {
            throw new AssertionError("MariaDB is not reachable at " + server + " (start it: see .ci/run)", e);
        }
    }

    /**
     * @param jdbcUrl  the database
     * @param user     the user
     * @param password the password
     * @param sql      a query returning one number
     * @param args     its parameters
     * @return the number
     */
    public static long count(String jdbcUrl, String user, String password, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
             var st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * @param jdbcUrl  the database
     * @param user     the user
     * @param password the password
     * @param sql      a query returning one string
     * @param args     its parameters
     * @return the first column of the first row, or null
     */
    public static String string(String jdbcUrl, String user, String password, String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password);
             var st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
