"""Use cases: one function or small class per thing a user does. No Qt here, ever."""
