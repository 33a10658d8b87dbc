"""Mail: transports (Graph, IMAP, Maildir), composing, ingest and the outbox."""
