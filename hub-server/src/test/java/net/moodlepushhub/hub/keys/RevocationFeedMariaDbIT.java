package net.moodlepushhub.hub.keys;

import net.moodlepushhub.db.DatabaseSettings;
import net.moodlepushhub.hub.TestHub;
import net.moodlepushhub.testsupport.MariaDbDatabases;

/**
 * {@link RevocationFeedTest} on the real MariaDB (InnoDB, REPEATABLE READ), in a database of its own so that it
 * does not disturb the hub the other integration tests run.
 */
class RevocationFeedMariaDbIT extends RevocationFeedTest {

    @Override
    DatabaseSettings database() {
        String url = System.getProperty("it.db.url") + "_feed";
        String user = System.getProperty("it.db.user", "root");
        String password = System.getProperty("it.db.password", "");
        MariaDbDatabases.recreate(url, user, password);
        return TestHub.mariaDb(url, user, password);
    }
}
