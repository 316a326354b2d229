package net.moodlepushhub.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet6Address;
import java.net.InetAddress;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "127.0.0.1", "255.255.255.255", "192.0.2.10", "8.8.8.8"})
    void canonicalIpv4(final String text) throws Exception {
        assertThat(IpLiterals.parseCanonicalIpv4(text)).isEqualTo(InetAddress.getByName(text).getAddress());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2130706433", "0177.0.0.1", "127.1", "127.0.1", "0x7f.0.0.1", "0x7f000001", "127.0.0.01",
            "256.0.0.1", "1.2.3.4.", "1.2.3.4.5", " 1.2.3.4", "1.2.3.-4", "", "1..3.4", "127.0.0.1x"})
    void nonCanonicalIpv4IsNotParsed(final String text) {
        assertThat(IpLiterals.parseCanonicalIpv4(text)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "1::", "fe80::1", "2001:db8::8:800:200c:417a", "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4", "1::2:3", "2001:DB8:0:0:0:0:0:1", "0:0:0:0:0:0:0:1"})
    void ipv6(final String text) throws Exception {
        assertThat(IpLiterals.parseIpv6(text)).isEqualTo(InetAddress.getByName(text).getAddress());
    }

    @Test
    void mappedIpv6KeepsSixteenBytes() {
        final byte[] bytes = IpLiterals.parseIpv6("::ffff:127.0.0.1");
        assertThat(bytes).containsExactly(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1);
        assertThat(IpLiterals.toInetAddress(bytes)).isInstanceOf(Inet6Address.class);
        assertThat(IpLiterals.parseIpv6("::ffff:7f00:1")).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1.2.3",
            "::01.2.3.4", "fe80::1%eth0", "fe80::1%25eth0", "g::1", ":1::", "1:::2", "::ffff:1.2.3.4.5", "1.2.3.4",
            ":1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4"})
    void invalidIpv6IsNotParsed(final String text) {
        assertThat(IpLiterals.parseIpv6(text)).isNull();
    }

    @Test
    void endsInNumber() {
        assertThat(UrlChecks.endsInNumber("2130706433")).isTrue();
        assertThat(UrlChecks.endsInNumber("127.1")).isTrue();
        assertThat(UrlChecks.endsInNumber("0x7f.0.0.1")).isTrue();
        assertThat(UrlChecks.endsInNumber("a.0x")).isTrue();
        assertThat(UrlChecks.endsInNumber("127.0.0.1.")).isTrue();
        assertThat(UrlChecks.endsInNumber("site.test")).isFalse();
        assertThat(UrlChecks.endsInNumber("1e100.net")).isFalse();
        assertThat(UrlChecks.endsInNumber("0xg")).isFalse();
    }
}
