package net.moodlepushhub.hub.abuse;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** What anyone sends to report a site ({@code POST /api/v1/abuse-reports}). */
public class AbuseReportRequest {

    /** The site: its hub id or its URL. */
    @NotBlank
    @Size(max = 512)
    public String site;

    /** spam, phishing, excessive-volume or other. */
    @NotNull
    @Pattern(regexp = AbuseCategory.PATTERN, message = "must be one of spam, phishing, excessive-volume, other")
    public String category;

    /** What happened, in the reporter's words. */
    @NotBlank
    @Size(max = 2000)
    public String description;

    /** Optional: how the hub's operators can reach the reporter. */
    @Email
    @Size(max = 254)
    public String contact;
}
