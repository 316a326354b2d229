package net.moodlepushhub.verifier;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether the verifier may connect to an address: allowed if private networks are allowed wholesale,
 * if the address is not in {@link ReservedRanges}, or if it is inside one of the explicitly allowed ranges.
 */
final class AddressPolicy {

    private final boolean allowPrivateNetworks;
    private final List<Cidr> allowedRanges;

    AddressPolicy(final boolean allowPrivateNetworks, final List<Cidr> allowedRanges) {
        this.allowPrivateNetworks = allowPrivateNetworks;
        this.allowedRanges = List.copyOf(allowedRanges);
    }

    /**
     * Returns why {@code address} is refused.
     *
     * @return the reserved range it is in, or empty if it may be connected to
     */
    Optional<String> refusal(final InetAddress address) {
        if (allowPrivateNetworks) {
            return Optional.empty();
        }
        final byte[] bytes = address.getAddress();
        for (final Cidr allowed : allowedRanges) {
            if (allowed.contains(bytes)) {
                return Optional.empty();
            }
        }
        return ReservedRanges.explain(address);
    }
}
