"""Where the corpora and gold sets are: one definition, overridable, always an absolute normalized path."""
from pipeline import locations


def test_the_corpora_are_beside_the_project_and_the_path_is_normalized(monkeypatch, tmp_path):
    monkeypatch.delenv(locations.SHARED_DATA_ENV, raising=False)
    project = tmp_path / "project"
    (project / "tests" / "gold").mkdir(parents=True)
    (tmp_path / "shared" / "data").mkdir(parents=True)
    monkeypatch.chdir(project)
    assert locations.shared_data("x.jsonl") == tmp_path / "shared" / "data" / "x.jsonl"
    assert ".." not in str(locations.shared_data())
    assert locations.gold_dir() == project / "tests" / "gold"


def test_an_environment_variable_moves_them(monkeypatch, tmp_path):
    monkeypatch.setenv(locations.SHARED_DATA_ENV, str(tmp_path / "corpora" / ".." / "corpora"))
    monkeypatch.setenv(locations.GOLD_DIR_ENV, str(tmp_path / "gold"))
    assert locations.shared_data("a") == tmp_path / "corpora" / "a"
    assert locations.gold_dir() == tmp_path / "gold"
