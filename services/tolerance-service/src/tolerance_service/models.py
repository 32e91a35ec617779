"""tolerance-service's tables (ORM models); the schema itself comes only from its migrations."""

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
