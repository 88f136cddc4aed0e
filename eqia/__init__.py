"""EqIA: Equality Impact Assessments for UK councils."""

from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config import CONFIGS, INSTANCE_PATH, chosen

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config_class = CONFIGS["testing"] if test_config is not None else chosen()
    app.config.from_object(config_class)
    app.config.update(test_config or {})
    config_class.finalise(app.config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)

    from eqia import cli, database, notifications, scanning, security_log, sessions, shell
    from eqia.extensions import csrf, db, limiter, login_manager, migrate
    from eqia.publishing import PUBLIC_PREFIX

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    database.init_app(app)
    security_log.init_app(app)
    shell.init_app(app)
    sessions.init_app(app)
    cli.init_app(app)
    notifications.init_app(app)
    scanning.init_app(app)

    from eqia.admin import bp as admin_bp
    from eqia.api import bp as api_bp
    from eqia.assessments import bp as assessments_bp
    from eqia.auth import bp as auth_bp
    from eqia.main import bp as main_bp
    from eqia.plan import bp as plan_bp
    from eqia.programmes import bp as programmes_bp
    from eqia.public import bp as public_bp
    from eqia.records import bp as records_bp
    from eqia.reviews import bp as reviews_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(assessments_bp, url_prefix="/eqia")
    app.register_blueprint(reviews_bp, url_prefix="/reviews")
    app.register_blueprint(plan_bp, url_prefix="/plan")
    app.register_blueprint(programmes_bp, url_prefix="/programmes")
    app.register_blueprint(records_bp, url_prefix="/records")
    app.register_blueprint(public_bp, url_prefix=PUBLIC_PREFIX)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    return app
