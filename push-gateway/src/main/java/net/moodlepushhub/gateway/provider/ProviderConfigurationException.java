package net.moodlepushhub.gateway.provider;

/** Thrown by provider builders when credentials or settings are missing, unreadable or invalid. */
public class ProviderConfigurationException extends RuntimeException {

    /**
     * @param message what is wrong
     * @param cause   the underlying failure, may be null
     */
    public ProviderConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }

    /** @param message what is wrong */
    public ProviderConfigurationException(String message) {
        super(message);
    }
}
