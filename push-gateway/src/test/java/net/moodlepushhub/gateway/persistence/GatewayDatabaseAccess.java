package net.moodlepushhub.gateway.persistence;

import com.zaxxer.hikari.HikariDataSource;

/** Lets tests in other packages wrap an open pool in a {@link GatewayDatabase}. */
public final class GatewayDatabaseAccess {

    private GatewayDatabaseAccess() {
    }

    /** @param ds an open, migrated pool @return the gateway's database on it */
    public static GatewayDatabase of(HikariDataSource ds) {
        return new GatewayDatabase(ds);
    }
}
