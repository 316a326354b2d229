package net.moodlepushhub.gateway.delivery;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
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

    /**
     * Runs an update over rows chosen by id: {@code sqlPrefix} (ending in {@code where ... and} or {@code where})
     * followed by the ids as ranges, {@code (id between ? and ?) or ...}, after the leading parameters. The ids
     * of one notification's recipients were given out together, so a thousand ids are a handful of ranges: the
     * server parses and plans a few ranges instead of a thousand-item {@code IN} list, which cost more than the
     * rows' own writes. Any ids are correct; scattered ones only make more ranges.
     */
    static void updateIdRanges(Connection c, String sqlPrefix, List<Long> ids, Object... leading) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        long[] sorted = ids.stream().mapToLong(Long::longValue).sorted().distinct().toArray();
        List<long[]> ranges = new ArrayList<>();
        long first = sorted[0];
        long last = first;
        for (int i = 1; i < sorted.length; i++) {
            if (sorted[i] != last + 1) {
                ranges.add(new long[]{first, last});
                first = sorted[i];
            }
            last = sorted[i];
        }
        ranges.add(new long[]{first, last});
        for (int from = 0; from < ranges.size(); from += 500) {
            List<long[]> page = ranges.subList(from, Math.min(ranges.size(), from + 500));
            try (PreparedStatement st = c.prepareStatement(sqlPrefix + " (" + String.join(" or ", Collections.nCopies(page.size(), "id between ? and ?")) + ")")) {
                int i = 1;
                for (Object o : leading) {
                    st.setObject(i++, o);
                }
                for (long[] range : page) {
                    st.setLong(i++, range[0]);
                    st.setLong(i++, range[1]);
                }
                st.executeUpdate();
            }
        }
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
