package net.moodlepushhub.hub.admin;

/** What a hub operator may do. */
public enum Role {
    /** Reads everything and changes sites, keys, quotas and reports. */
    ADMIN,
    /** Reads everything, changes nothing. */
    AUDITOR;

    /** @return the lower-case name used on the wire and in the database */
    public String wire() {
        return name().toLowerCase();
    }

    /**
     * @param wire a lower-case role name
     * @return the role
     * @throws IllegalArgumentException for an unknown name
     */
    public static Role fromWire(String wire) {
        for (Role r : values()) {
            if (r.wire().equals(wire)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role: " + wire);
    }
}
