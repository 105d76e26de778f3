"""The migrations build exactly the schema the models describe (on the suite's backend)."""

from exam_platform.migrate import drift


def test_models_and_migrations_do_not_drift(app):
    engine = app.extensions["database"].engine
    with engine.connect() as connection:
        differences = drift(connection)
    assert differences == [], differences
