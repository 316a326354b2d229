package net.moodlepushhub.hub.registration;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** What a site admin sends to register a site ({@code POST /api/v1/sites}). */
public class RegistrationRequest {

    /** The site's {@code wwwroot}; checked and normalised by {@link SiteUrls}. */
    @NotBlank
    @Size(max = SiteUrls.MAX_LENGTH)
    public String url;

    /** The site's full name. */
    @NotBlank
    @Size(max = 255)
    public String name;

    /** The admin's e-mail address. */
    @NotBlank
    @Email
    @Size(max = 254)
    public String contactEmail;

    /** Moodle's count of users that are not deleted. */
    @NotNull
    @PositiveOrZero
    @Max(1_000_000_000)
    public Integer users;

    /** Users that logged in within the last 30 days. */
    @NotNull
    @PositiveOrZero
    @Max(1_000_000_000)
    public Integer activeUsers;

    /**
     * Optional: the md5 of the Moodle site identifier, as Moodle's {@code message_airnotifier} plugin sends it
     * in {@code siteid} when it asks the gateway for an access key. Lets an unmodified Moodle fetch its key.
     */
    @Pattern(regexp = "^[a-f0-9]{32}$", message = "must be 32 lower-case hexadecimal characters")
    public String moodleSiteId;
}
