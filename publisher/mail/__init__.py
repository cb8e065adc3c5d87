"""Mail: the message, subscribers and consent, deliveries, SMTP, sending and the web app."""
