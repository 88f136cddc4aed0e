"""The database models, one module per aggregate."""

from eqia.models.users import Directorate, Role, User, UserRole

__all__ = ["Directorate", "Role", "User", "UserRole"]
