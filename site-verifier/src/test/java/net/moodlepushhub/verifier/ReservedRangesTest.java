package net.moodlepushhub.verifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ReservedRangesTest {

    private static final AddressPolicy STRICT = new AddressPolicy(false, List.of());

    @ParameterizedTest(name = "{0} is refused as {1}")
    @CsvSource({
            "0.0.0.0, 0.0.0.0/8",
            "0.255.255.255, 0.0.0.0/8",
            "10.0.0.0, 10.0.0.0/8",
            "10.255.255.255, 10.0.0.0/8",
            "100.64.0.0, 100.64.0.0/10",
            "100.127.255.255, 100.64.0.0/10",
            "127.0.0.1, 127.0.0.0/8",
            "127.255.255.255, 127.0.0.0/8",
            "169.254.0.0, 169.254.0.0/16",
            "169.254.169.254, 169.254.0.0/16",
            "172.16.0.0, 172.16.0.0/12",
            "172.31.255.255, 172.16.0.0/12",
            "192.0.0.0, 192.0.0.0/24",
            "192.0.0.255, 192.0.0.0/24",
            "192.0.2.1, 192.0.2.0/24",
            "192.88.99.1, 192.88.99.0/24",
            "192.168.0.0, 192.168.0.0/16",
            "192.168.255.255, 192.168.0.0/16",
            "198.18.0.0, 198.18.0.0/15",
            "198.19.255.255, 198.18.0.0/15",
            "198.51.100.7, 198.51.100.0/24",
            "203.0.113.7, 203.0.113.0/24",
            "224.0.0.1, 224.0.0.0/4",
            "239.255.255.255, 224.0.0.0/4",
            "240.0.0.0, 240.0.0.0/4",
            "255.255.255.254, 240.0.0.0/4",
            "255.255.255.255, 255.255.255.255/32",
            "::, ::/128",
            "::1, ::1/128",
            "::7f00:1, ::/96",
            "::ffff:127.0.0.1, ::ffff:0:0/96",
            "::ffff:8.8.8.8, ::ffff:0:0/96",
            "64:ff9b::8.8.8.8, 64:ff9b::/96",
            "64:ff9b:1::1, 64:ff9b:1::/48",
            "100::, 100::/64",
            "100::ffff:ffff:ffff:ffff, 100::/64",
            "2001::1, 2001::/23",
            "2001:db8::1, 2001:db8::/32",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff, 2001:db8::/32",
            "2002::1, 2002::/16",
            "2002:ffff:ffff::, 2002::/16",
            "fc00::, fc00::/7",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, fc00::/7",
            "fe80::1, fe80::/10",
            "febf:ffff::1, fe80::/10",
            "fec0::1, fec0::/10",
            "ff00::, ff00::/8",
            "ff02::1, ff00::/8",
    })
    void reservedAddressesAreRefused(final String address, final String range) {
        final InetAddress a = TestResolver.address(address);
        assertThat(ReservedRanges.find(a)).hasValueSatisfying(r -> assertThat(r.cidr).hasToString(range));
        assertThat(STRICT.refusal(a)).isPresent();
    }

    @ParameterizedTest(name = "{0} is allowed")
    @ValueSource(strings = {
            "1.1.1.1", "8.8.8.8",
            "1.0.0.0", "9.255.255.255", "11.0.0.0",
            "100.63.255.255", "100.128.0.0",
            "126.255.255.255", "128.0.0.0",
            "169.253.255.255", "169.255.0.0",
            "172.15.255.255", "172.32.0.0",
            "191.255.255.255", "192.0.1.0", "192.0.3.0",
            "192.88.98.255", "192.88.100.0",
            "192.167.255.255", "192.169.0.0",
            "198.17.255.255", "198.20.0.0",
            "198.51.99.255", "198.51.101.0",
            "203.0.112.255", "203.0.114.0",
            "223.255.255.255",
            "2606:4700:4700::1111", "2001:4860:4860::8888",
            "2001:200::1", "2001:db7:ffff::1", "2001:db9::1", "2003::1",
            "64:ff9b:0:0:0:1::1", "100:0:0:1::",
            "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::1",
            "::1:0:0:0", "::fffe:7f00:1",
    })
    void publicAddressesAreAllowed(final String address) {
        final InetAddress a = TestResolver.address(address);
        assertThat(ReservedRanges.find(a)).isEmpty();
        assertThat(STRICT.refusal(a)).isEmpty();
    }

    @Test
    void mappedAddressesReportTheEmbeddedRange() {
        assertThat(ReservedRanges.explain(TestResolver.address("::ffff:169.254.169.254")))
                .hasValueSatisfying(s -> assertThat(s).contains("::ffff:0:0/96").contains("169.254.0.0/16"));
        assertThat(ReservedRanges.explain(TestResolver.address("::ffff:8.8.8.8")))
                .hasValueSatisfying(s -> assertThat(s).contains("::ffff:0:0/96").doesNotContain("169.254"));
    }

    @Test
    void allowedRangesOpenOnlyThemselves() {
        final AddressPolicy loopbackOnly = new AddressPolicy(false, List.of(Cidr.parse("127.0.0.0/8")));
        assertThat(loopbackOnly.refusal(TestResolver.address("127.0.0.1"))).isEmpty();
        assertThat(loopbackOnly.refusal(TestResolver.address("127.255.0.9"))).isEmpty();
        assertThat(loopbackOnly.refusal(TestResolver.address("169.254.169.254"))).isPresent();
        assertThat(loopbackOnly.refusal(TestResolver.address("10.0.0.1"))).isPresent();
        assertThat(loopbackOnly.refusal(TestResolver.address("::1"))).isPresent();
        // An IPv4 range never opens the IPv4-mapped form of its addresses.
        assertThat(loopbackOnly.refusal(TestResolver.address("::ffff:127.0.0.1"))).isPresent();
    }

    @Test
    void allowPrivateNetworksOpensEverything() {
        final AddressPolicy open = new AddressPolicy(true, List.of());
        assertThat(open.refusal(TestResolver.address("127.0.0.1"))).isEmpty();
        assertThat(open.refusal(TestResolver.address("fe80::1"))).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "172.16.0.0/12, 172.16.0.0, true",
            "172.16.0.0/12, 172.31.255.255, true",
            "172.16.0.0/12, 172.32.0.0, false",
            "172.16.0.0/12, 172.15.255.255, false",
            "100.64.0.0/10, 100.127.255.255, true",
            "100.64.0.0/10, 100.128.0.0, false",
            "0.0.0.0/0, 8.8.8.8, true",
            "0.0.0.0/0, ::1, false",
            "8.8.8.8, 8.8.8.8, true",
            "8.8.8.8, 8.8.8.9, false",
            "fe80::/10, febf::, true",
            "fe80::/10, fec0::, false",
    })
    void cidrContainment(final String cidr, final String address, final boolean contained) {
        assertThat(Cidr.parse(cidr).contains(TestResolver.address(address).getAddress())).isEqualTo(contained);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/33", "10.0.0.1/8", "::/129", "example.com/8", "10.0.0.0/-1", "010.0.0.0/8", "10/8"})
    void badCidrsAreRejected(final String cidr) {
        assertThatThrownBy(() -> Cidr.parse(cidr)).isInstanceOf(IllegalArgumentException.class);
    }
}
