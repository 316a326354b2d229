package net.moodlepushhub.hub.abuse;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;

/**
 * An abuse report about a site, possibly standing for several identical reports from the same source
 * ({@link #getReportCount()}). Holds no HTTP concerns.
 */
@Entity
@Table(name = "abuse_report")
public class AbuseReport {

    /** Status of a report nobody has handled yet. */
    public static final String OPEN = "open";
    /** Status of a report an admin handled. */
    public static final String RESOLVED = "resolved";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Column(name = "site_id", length = 36)
    private String siteId;

    @Column(name = "site_ref", nullable = false, length = 512)
    private String siteRef;

    @Column(name = "category", nullable = false, length = 32)
    private String category;

    @Column(name = "description", nullable = false, length = 2000)
    private String description;

    @Column(name = "reporter_contact", length = 254)
    private String reporterContact;

    @Column(name = "source_hash", nullable = false, length = 64)
    private String sourceHash;

    @Column(name = "report_count", nullable = false)
    private int reportCount;

    @Column(name = "first_reported_at", nullable = false)
    private Instant firstReportedAt;

    @Column(name = "last_reported_at", nullable = false)
    private Instant lastReportedAt;

    @Column(name = "status", nullable = false, length = 16)
    private String status;

    @Column(name = "resolved_at")
    private Instant resolvedAt;

    @Column(name = "resolved_by", length = 64)
    private String resolvedBy;

    @Column(name = "resolution", length = 512)
    private String resolution;

    @Version
    @Column(name = "row_version", nullable = false)
    private long rowVersion;

    protected AbuseReport() {
    }

    AbuseReport(String siteId, String siteRef, AbuseCategory category, String description, String reporterContact,
                String sourceHash, Instant now) {
        this.siteId = siteId;
        this.siteRef = siteRef;
        this.category = category.wire();
        this.description = description;
        this.reporterContact = reporterContact;
        this.sourceHash = sourceHash;
        this.reportCount = 1;
        this.firstReportedAt = now;
        this.lastReportedAt = now;
        this.status = OPEN;
    }

    /**
     * Folds one more identical report into this one.
     *
     * @param now the time of the new report
     */
    void repeated(Instant now) {
        reportCount++;
        lastReportedAt = now;
    }

    /**
     * @param by         the operator
     * @param resolution what was done
     * @param now        the current time
     */
    void resolve(String by, String resolution, Instant now) {
        this.status = RESOLVED;
        this.resolvedBy = by;
        this.resolution = resolution;
        this.resolvedAt = now;
    }

    public Long getId() {
        return id;
    }

    public String getSiteId() {
        return siteId;
    }

    public String getSiteRef() {
        return siteRef;
    }

    public String getCategory() {
        return category;
    }

    public String getDescription() {
        return description;
    }

    public String getReporterContact() {
        return reporterContact;
    }

    public int getReportCount() {
        return reportCount;
    }

    public Instant getFirstReportedAt() {
        return firstReportedAt;
    }

    public Instant getLastReportedAt() {
        return lastReportedAt;
    }

    public String getStatus() {
        return status;
    }

    public Instant getResolvedAt() {
        return resolvedAt;
    }

    public String getResolvedBy() {
        return resolvedBy;
    }

    public String getResolution() {
        return resolution;
    }
}
