"""Commands: create-user, import-catalog refusing a bad file, seed-demo's guard, backup while writing."""


from sqlalchemy import func, select

from exam_platform.accounts.models import User


def test_create_user_refuses_a_bad_id_number_and_creates_a_good_one(app, db):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["create-user", "--username", "reg1", "--name", "王某", "--id-number",
                              "110105194912310021", "--role", "regulator", "--org", "测试厅",
                              "--password", "Correct-Horse-42"])
    assert bad.exit_code == 1 and "校验位" in bad.output
    assert db.scalar(select(func.count(User.id)).where(User.username == "reg1")) == 0
    good = runner.invoke(args=["create-user", "--username", "reg1", "--name", "王某", "--id-number",
                               "11010519491231002X", "--role", "regulator", "--org", "测试厅",
                               "--password", "Correct-Horse-42"])
    assert good.exit_code == 0, good.output
    user = db.scalar(select(User).where(User.username == "reg1"))
    assert user.roles == {"regulator"} and user.grants[0].organization.name == "测试厅"


def test_import_catalog_refuses_a_bad_file_with_its_line(app, tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("rule_profiles: {}\ncategories:\n  - code: X\n    name: 某\n    group: nowhere\n    rules: [a]\n",
                   encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-catalog", "--file", str(bad)])
    assert result.exit_code == 1
    assert "catalog.yaml:3" in result.output and "未知分组" in result.output


def test_seed_demo_refuses_when_real_users_exist(app, db):
    from tests import factories as f

    f.user(db, username="real-person")
    db.commit()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "real users" in result.output
