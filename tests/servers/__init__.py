"""Real servers the suite starts for itself (Debian packages, throwaway, on loopback)."""
