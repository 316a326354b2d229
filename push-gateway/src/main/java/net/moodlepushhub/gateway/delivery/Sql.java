package net.moodlepushhub.gateway.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;

/** Small SQL helpers shared by the delivery stores. */
final class Sql {

    private Sql() {
    }

    /** @return {@code (?, ?, ...)} with n parameters, for an {@code IN} list */
    static String placeholders(int n) {
        return "(" + String.join(",", Collections.nCopies(n, "?")) + ")";
    }

    /** Runs {@code sqlPrefix + (ids)} in pages of 1,000 ids, after the leading parameters. */
    static void updateIn(Connection c, String sqlPrefix, List<Long> ids, Object... leading) throws SQLException {
        for (int from = 0; from < ids.size(); from += 1000) {
            List<Long> page = ids.subList(from, Math.min(ids.size(), from + 1000));
            try (PreparedStatement st = c.prepareStatement(sqlPrefix + placeholders(page.size()))) {
                int i = 1;
                for (Object o : leading) {
                    st.setObject(i++, o);
                }
                for (Long id : page) {
                    st.setLong(i++, id);
                }
                st.executeUpdate();
            }
        }
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
