"""Storage: SQLAlchemy tables and mapping, migrations, the unit of work."""
