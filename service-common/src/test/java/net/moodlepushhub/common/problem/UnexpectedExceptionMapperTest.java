package net.moodlepushhub.common.problem;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

/** A database outage wrapped by any layer (JPA, the pool) is a 503, never a 500. */
class UnexpectedExceptionMapperTest {

    @Test
    void aConnectionFailureAnywhereInTheCausesIsDatabaseUnavailable() {
        var pool = new SQLTransientConnectionException("HikariPool-1 - Connection is not available, request timed out after 5000ms");
        assertThat(UnexpectedExceptionMapper.isDatabaseUnavailable(new RuntimeException("jpa", new IllegalStateException(pool)))).isTrue();
        assertThat(UnexpectedExceptionMapper.isDatabaseUnavailable(new RuntimeException(new SQLException("refused", "08S01")))).isTrue();
        assertThat(UnexpectedExceptionMapper.isDatabaseUnavailable(new RuntimeException(new SQLException("duplicate", "23000")))).isFalse();
        assertThat(UnexpectedExceptionMapper.isDatabaseUnavailable(new IllegalStateException("bug"))).isFalse();
    }
}
