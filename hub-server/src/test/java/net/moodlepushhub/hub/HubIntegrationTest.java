package net.moodlepushhub.hub;

import net.moodlepushhub.testsupport.HttpJson;
import net.moodlepushhub.testsupport.MariaDbDatabases;
import net.moodlepushhub.testsupport.StandInSite;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.net.URL;

/**
 * What every hub integration test stands on: the hub's real WAR in a real Payara Micro (Arquillian), the
 * real MariaDB, and a stand-in Moodle site on 127.0.0.1 to serve challenges.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
abstract class HubIntegrationTest {

    static final String DB_URL = System.getProperty("it.db.url");
    static final String DB_USER = System.getProperty("it.db.user", "root");
    static final String DB_PASSWORD = System.getProperty("it.db.password", "");
    static final int SITE_PORT = Integer.getInteger("it.site.port", 18765);

    static StandInSite site;

    @ArquillianResource
    URL base;

    HttpJson hub;

    @Deployment(testable = false)
    static WebArchive deployment() {
        // The database must exist before the hub starts and migrates it.
        MariaDbDatabases.ensureExists(DB_URL, DB_USER, DB_PASSWORD);
        return ShrinkWrap.createFromZipFile(WebArchive.class, new File(System.getProperty("hub.war")));
    }

    @BeforeAll
    static void startSite() throws Exception {
        site = new StandInSite(SITE_PORT);
    }

    @AfterAll
    static void stopSite() {
        site.close();
    }
}
