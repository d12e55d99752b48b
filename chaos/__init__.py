"""`make chaos`: one batch through a three-stage pipeline while workers are killed, their
database connections cut and the fake Gemini server misbehaves; then the invariants."""
