package net.moodlepushhub.hub.mail;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.util.Optional;

/** Recipient addresses as the hub accepts them: one bare address, strictly valid, nothing else. */
public final class MailAddresses {

    private MailAddresses() {
    }

    /**
     * @param address what was given (a site's contact e-mail, an operator's address)
     * @return the address when it is exactly one strictly valid address with no display name and no control
     * characters; empty otherwise
     */
    public static Optional<String> valid(String address) {
        if (address == null || address.isBlank() || address.length() > 254) {
            return Optional.empty();
        }
        String a = address.strip();
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            // Never let a line break (or any control character) near a header, whatever the parser would accept.
            if (Character.isISOControl(c) || Character.isWhitespace(c)) {
                return Optional.empty();
            }
        }
        try {
            InternetAddress parsed = new InternetAddress(a, true);
            parsed.validate();
            if (parsed.getPersonal() != null || parsed.isGroup() || !a.equals(parsed.getAddress()) || !a.contains("@")) {
                return Optional.empty();
            }
            return Optional.of(parsed.getAddress());
        } catch (AddressException e) {
            return Optional.empty();
        }
    }
}
