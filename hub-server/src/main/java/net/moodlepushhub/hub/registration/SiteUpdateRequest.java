package net.moodlepushhub.hub.registration;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/** A partial update of a site's details ({@code PATCH /api/v1/sites/{siteId}}); absent fields are kept. */
public class SiteUpdateRequest {

    /** New name. */
    @Size(min = 1, max = 255)
    @Pattern(regexp = ".*\\S.*", message = "must not be blank")
    public String name;

    /** New admin e-mail. */
    @Email
    @Size(min = 3, max = 254)
    public String contactEmail;

    /** New user count; the quota is checked again. */
    @PositiveOrZero
    @Max(1_000_000_000)
    public Integer users;

    /** New active-user count. */
    @PositiveOrZero
    @Max(1_000_000_000)
    public Integer activeUsers;
}
